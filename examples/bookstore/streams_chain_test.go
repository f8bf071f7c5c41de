package bookstore

import (
	"context"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/auth/jwt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// The streams go through the unary methods' chain: the token guards the
// write (ImportBooks) and not the reads, and every stream is counted in
// the stream metrics with its messages and its code.
func TestStreamsGoThroughTheChain(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	inst := startWith(t, Config{JWT: &jwt.Config{Methods: []string{"HS256"}, Keys: map[string]any{"": key}}})
	token, err := gojwt.NewWithClaims(gojwt.SigningMethodHS256, gojwt.MapClaims{
		"sub": "tester", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	importTwo := func(ctx context.Context) error {
		imp, err := client.ImportBooks(ctx)
		if err != nil {
			return err
		}
		for _, title := range []string{"Dune", "Emma"} {
			if err := imp.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: title}}); err != nil {
				break // the status comes from CloseAndRecv
			}
		}
		_, err = imp.CloseAndRecv()
		return err
	}
	if err := importTwo(ctx); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("import without a token: %v, want Unauthenticated", err)
	}
	if err := importTwo(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)); err != nil {
		t.Fatalf("import with a token: %v", err)
	}
	wctx, stop := context.WithCancel(ctx)
	w, err := client.WatchBooks(wctx, &bookpb.WatchBooksRequest{}) // a read: no token needed
	if err != nil {
		t.Fatal(err)
	}
	expectEvent(t, w, bookpb.BookEvent_TYPE_EXISTING, "Dune")
	stop()

	_, body := get(t, "http://"+inst.AdminAddr+"/metrics")
	for _, want := range []string{
		`kit_streams_handled_total{code="401",endpoint="ImportBooks",transport="grpc"} 1`,
		`kit_streams_handled_total{code="ok",endpoint="ImportBooks",transport="grpc"} 1`,
		`kit_stream_msg_received_total{endpoint="ImportBooks",transport="grpc"} 2`,
		`kit_streams_started_total{endpoint="WatchBooks",transport="grpc"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// The instance's rate limiter admits streams as it admits calls: one token
// each, refused at the start with ResourceExhausted.
func TestRateLimiterRefusesAStreamAtItsStart(t *testing.T) {
	inst := startWith(t, Config{RateLimit: 0.001, Burst: 1})
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	first, err := client.WatchBooks(ctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	expectEvent(t, first, bookpb.BookEvent_TYPE_CAUGHT_UP, "")
	second, err := client.WatchBooks(ctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Recv(); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("second watch: %v, want ResourceExhausted", err)
	}
}
