package capture_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/introspect"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
	"github.com/kitbench/kitbench/recorder/rectest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// dial returns a client connection to addr, closed when the test ends.
func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// serveRingBooks serves a fresh Book store over loopback gRPC with ring's
// interceptors, until the test ends, and returns a connection to it.
func serveRingBooks(t *testing.T, ring *capture.Ring) *grpc.ClientConn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	store := bookstore.NewStore()
	gs := grpc.NewServer(grpc.ChainUnaryInterceptor(ring.Unary), grpc.ChainStreamInterceptor(ring.Stream))
	bookpb.RegisterBookServiceServer(gs, bookstore.NewGRPCServerWithStreams(bookstore.MakeEndpoints(store), bookstore.MakeStreamEndpoints(store)))
	done := make(chan struct{})
	go func() { _ = gs.Serve(ln); close(done) }()
	t.Cleanup(func() { gs.Stop(); <-done })
	return dial(t, ln.Addr().String())
}

// readRing reads ring's exchanges matching q, waiting (10 s at most)
// until there are n: a stream is stored when its handler returns, which
// may be after its client has seen it end.
func readRing(t *testing.T, ring *capture.Ring, q introspect.ExchangeQuery, n int) []recorder.Exchange {
	t.Helper()
	q.Limit = introspect.MaxExchangeLimit
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		var out bytes.Buffer
		if _, err := ring.WriteExchanges(&out, q); err != nil {
			t.Fatal(err)
		}
		s, err := recorder.Read(&out, recorder.ReadOptions{})
		if err != nil || len(s.Errors) > 0 {
			t.Fatalf("the ring's answer does not read back: %v %v", err, s.Errors)
		}
		if len(s.Exchanges) >= n || time.Now().After(deadline) {
			if len(s.Exchanges) != n {
				t.Fatalf("%d exchanges match %+v, want %d", len(s.Exchanges), q, n)
			}
			return s.Exchanges
		}
	}
}

// inOrder fails the test when a list of messages goes back in time.
func inOrder(t *testing.T, ex recorder.Exchange) {
	t.Helper()
	for _, ms := range [][]recorder.Message{ex.Request.Messages, ex.Response.Messages} {
		for i := 1; i < len(ms); i++ {
			if ms[i].Offset < ms[i-1].Offset {
				t.Errorf("%s: message %d at %v, before the one before it (%v)", ex.Endpoint, i, ms[i].Offset, ms[i-1].Offset)
			}
		}
	}
}

// TestRingStreams drives each kind of Book stream over loopback gRPC to a
// Book instance and reads them from its /exchanges: each stream is one
// exchange with its kind, its messages each way in order and its status,
// the cancelled watch is kept with Canceled; the metadata's token and the
// JWT sent in a message never appear; the endpoint, trace, since and
// failed filters select streams. Then kitbench capture's function pulls
// them into a session file, which rectest.Replay replays against a fresh
// instance.
func TestRingStreams(t *testing.T) {
	inst := startBooks(t)
	n := booktest.StreamSession(t, dial(t, inst.GRPCAddr))
	readRing(t, inst.Exchanges, introspect.ExchangeQuery{}, n)
	s, raw, _ := exchanges(t, inst.AdminAddr, "limit=1000")
	byName := map[string]recorder.Exchange{}
	for _, ex := range s.Exchanges {
		byName[ex.Endpoint] = ex
		if !strings.HasPrefix(ex.ID, "bookstore-t-") || ex.Instance != "bookstore-t" {
			t.Errorf("exchange %s of instance %q", ex.ID, ex.Instance)
		}
	}

	watch := byName["WatchBooks"]
	if watch.Stream == nil || watch.Stream.Kind != recorder.StreamServer || !watch.Stream.Cancelled ||
		watch.Response.GRPCCode != int(codes.Canceled) {
		t.Errorf("WatchBooks: stream %+v, code %d; want a server stream, cancelled", watch.Stream, watch.Response.GRPCCode)
	}
	if len(watch.Request.Messages) != 1 || len(watch.Response.Messages) != 6 ||
		!bytes.Contains(watch.Response.Messages[2].Body.JSON, []byte(`"Ulysses"`)) ||
		!bytes.Contains(watch.Response.Messages[5].Body.JSON, []byte(`TYPE_CAUGHT_UP`)) {
		t.Errorf("WatchBooks messages %+v / %+v", watch.Request.Messages, watch.Response.Messages)
	}
	imp := byName["ImportBooks"]
	if imp.Stream == nil || imp.Stream.Kind != recorder.StreamClient || imp.Stream.Cancelled || imp.Response.GRPCCode != 0 ||
		len(imp.Request.Messages) != 3 || len(imp.Response.Messages) != 1 ||
		!bytes.Contains(imp.Request.Messages[0].Body.JSON, []byte(`"Kim"`)) ||
		!bytes.Contains(imp.Response.Messages[0].Body.JSON, []byte(`"imported_count":2`)) {
		t.Errorf("ImportBooks %+v", imp)
	}
	sync := byName["SyncBooks"]
	if sync.Stream == nil || sync.Stream.Kind != recorder.StreamBidi || len(sync.Request.Messages) != 2 || len(sync.Response.Messages) != 6 ||
		sync.Request.GRPCMethod != "/bookstore.v1.BookService/SyncBooks" {
		t.Errorf("SyncBooks %+v", sync)
	}
	for _, ex := range []recorder.Exchange{watch, imp, sync} {
		inOrder(t, ex)
		if ex.Request.Headers["authorization"] == nil || ex.Duration <= 0 {
			t.Errorf("%s: metadata %v, duration %v", ex.Endpoint, ex.Request.Headers, ex.Duration)
		}
	}
	for _, secret := range []string{booktest.Secrets.GRPCAuth, booktest.Secrets.BodyJWT} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("secret %q in /exchanges", secret)
		}
	}
	if !bytes.Contains(raw, []byte(recorder.Placeholder)) {
		t.Errorf("nothing redacted in:\n%s", raw)
	}

	// A traced stream, after the session.
	mid := time.Now()
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := metadata.AppendToOutgoingContext(t.Context(), "traceparent", "00-"+trace+"-00f067aa0ba902b7-01")
	st, err := bookpb.NewBookServiceClient(dial(t, inst.GRPCAddr)).ImportBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: "Traced", Author: "T"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}
	readRing(t, inst.Exchanges, introspect.ExchangeQuery{}, n+1)
	for q, want := range map[string]string{
		"endpoint=WatchBooks":                          "WatchBooks",
		"endpoint=/bookstore.v1.BookService/SyncBooks": "SyncBooks",
		"trace=" + trace:                               "ImportBooks",
		"since=" + mid.UTC().Format(time.RFC3339Nano):  "ImportBooks",
		"failed=true":                                  "",
	} {
		s, _, _ := exchanges(t, inst.AdminAddr, q)
		switch {
		case want == "" && len(s.Exchanges) != 0:
			t.Errorf("?%s: %d exchanges, want none", q, len(s.Exchanges))
		case want != "" && (len(s.Exchanges) != 1 || s.Exchanges[0].Endpoint != want || s.Exchanges[0].Stream == nil):
			t.Errorf("?%s: %d exchanges, want the %s stream", q, len(s.Exchanges), want)
		}
	}

	// kitbench capture bookstore --target ADMIN -o streams.kitrec, then
	// replay against a fresh instance.
	path := filepath.Join(t.TempDir(), "streams.kitrec")
	got, err := workbench.Capture(t.Context(), "bookstore", path, workbench.CaptureOptions{
		Source: workbench.Source{Target: inst.AdminAddr}, Ignore: []string{"$..create_time"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != n+1 {
		t.Fatalf("captured %d exchanges, want %d", got.Total, n+1)
	}
	rectest.Replay(t, path, recorder.GRPCTarget(dial(t, startBooks(t).GRPCAddr)))
}

// TestRingStreamFailed: a watch that the instance's shutdown ends with
// Unavailable is kept as a failure, with its code and reason as the
// client saw them, and its messages.
func TestRingStreamFailed(t *testing.T) {
	inst := startBooks(t)
	c := bookpb.NewBookServiceClient(dial(t, inst.GRPCAddr))
	if _, err := c.CreateBook(t.Context(), &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Dune", Author: "Herbert"}}); err != nil {
		t.Fatal(err)
	}
	w, err := c.WatchBooks(t.Context(), &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetType() == bookpb.BookEvent_TYPE_CAUGHT_UP {
			break
		}
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- inst.Shutdown(ctx)
	}()
	_, err = w.Recv()
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("the watch ended with %v, want Unavailable", err)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	exs := readRing(t, inst.Exchanges, introspect.ExchangeQuery{Failed: true}, 1)
	ex := exs[0]
	if ex.Endpoint != "WatchBooks" || ex.Response.GRPCCode != int(codes.Unavailable) || ex.Stream.Cancelled ||
		ex.Response.Reason != kitgrpc.ReasonOf(status.Convert(err)) || len(ex.Response.Messages) != 2 {
		t.Errorf("failed watch %+v; want WatchBooks, Unavailable with the client's reason %q, two messages", ex, kitgrpc.ReasonOf(status.Convert(err)))
	}
}

// TestRingStreamTruncated: a watch whose messages outgrow a slot keeps
// its first messages, in order, and counts the rest as dropped; a client
// message larger than a slot is dropped and counted, and its exchange is
// still kept with its status. Both count as truncated.
func TestRingStreamTruncated(t *testing.T) {
	ring, err := capture.NewRing(capture.Options{Service: "bookstore"}, capture.RingOptions{Size: 8, Failures: -1, Bytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	c := bookpb.NewBookServiceClient(serveRingBooks(t, ring))
	const books = 30
	for i := range books {
		title := strings.Repeat(string(rune('a'+i%26)), 40)
		if _, err := c.CreateBook(t.Context(), &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: title, Author: "A"}}); err != nil {
			t.Fatal(err)
		}
	}
	wctx, cancel := context.WithCancel(t.Context())
	w, err := c.WatchBooks(wctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for {
		ev, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		read++
		if ev.GetType() == bookpb.BookEvent_TYPE_CAUGHT_UP {
			break
		}
	}
	cancel()
	imp, err := c.ImportBooks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := imp.Send(&bookpb.ImportBooksRequest{Book: &bookpb.Book{Title: strings.Repeat("z", 4<<10), Author: "Big"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := imp.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}

	watch := readRing(t, ring, introspect.ExchangeQuery{Endpoint: "WatchBooks"}, 1)[0]
	kept := watch.Response.Messages
	if len(kept) == 0 || watch.Response.Dropped == 0 || len(kept)+watch.Response.Dropped != read {
		t.Fatalf("watch kept %d messages and dropped %d; the client read %d: want them all accounted for, some dropped", len(kept), watch.Response.Dropped, read)
	}
	for i, m := range kept {
		if want := strings.Repeat(string(rune('a'+i%26)), 40); !bytes.Contains(m.Body.JSON, []byte(want)) {
			t.Errorf("kept message %d is %s, want the book titled %s", i, m.Body.JSON, want)
		}
	}
	if !watch.Stream.Cancelled || len(watch.Request.Messages) != 1 {
		t.Errorf("watch %+v: want its request and its cancellation", watch)
	}
	big := readRing(t, ring, introspect.ExchangeQuery{Endpoint: "ImportBooks"}, 1)[0]
	if len(big.Request.Messages) != 0 || big.Request.Dropped != 1 || big.Response.Dropped != 1 || big.Response.GRPCCode != 0 {
		t.Errorf("import of a book larger than a slot: %+v; want the message dropped and counted, and its status", big)
	}
	if st := ring.Stats(); st.Truncated != 2 {
		t.Errorf("stats %+v: want the two streams counted as truncated", st)
	}
}

// TestRingStreamMetadata serves a stream whose handler sets a header on
// its stream and a trailer through its context (grpc.SetTrailer), over
// loopback: the ring keeps both, with a secret among them redacted.
func TestRingStreamMetadata(t *testing.T) {
	ring, err := capture.NewRing(capture.Options{Service: "meta"}, capture.RingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer(grpc.ChainStreamInterceptor(ring.Stream),
		grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
			var req bookpb.WatchBooksRequest
			if err := ss.RecvMsg(&req); err != nil {
				return err
			}
			if err := ss.SetHeader(metadata.Pairs("x-served-by", "meta-1", "set-cookie", "sid="+booktest.Secrets.SetCookie)); err != nil {
				return err
			}
			if err := ss.SendMsg(&bookpb.BookEvent{Type: bookpb.BookEvent_TYPE_CAUGHT_UP}); err != nil {
				return err
			}
			return grpc.SetTrailer(ss.Context(), metadata.Pairs("x-books", "0"))
		}))
	done := make(chan struct{})
	go func() { _ = gs.Serve(ln); close(done) }()
	t.Cleanup(func() { gs.Stop(); <-done })
	cs, err := dial(t, ln.Addr().String()).NewStream(t.Context(), &grpc.StreamDesc{ServerStreams: true}, "/test.Meta/Watch")
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.SendMsg(&bookpb.WatchBooksRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	for {
		var ev bookpb.BookEvent
		if err := cs.RecvMsg(&ev); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	for deadline := time.Now().Add(10 * time.Second); out.Len() == 0 || !bytes.Contains(out.Bytes(), []byte(`"Watch"`)); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the stream was not stored")
		}
		out.Reset()
		if _, err := ring.WriteExchanges(&out, introspect.ExchangeQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	if bytes.Contains(out.Bytes(), []byte(booktest.Secrets.SetCookie)) {
		t.Errorf("the header's secret is in %s", out.Bytes())
	}
	s, err := recorder.Read(&out, recorder.ReadOptions{})
	if err != nil || len(s.Exchanges) != 1 {
		t.Fatalf("%v, %v", s, err)
	}
	ex := s.Exchanges[0]
	if h := ex.Response.Headers; len(h["x-served-by"]) != 1 || h["x-served-by"][0] != "meta-1" || len(h["set-cookie"]) != 1 {
		t.Errorf("response header %v", h)
	}
	if tr := ex.Response.Trailers; len(tr["x-books"]) != 1 || tr["x-books"][0] != "0" {
		t.Errorf("trailer %v", tr)
	}
	// grpc-go calls an unknown service's handler a bidirectional stream.
	if ex.Stream == nil || ex.Stream.Kind != recorder.StreamBidi || len(ex.Request.Messages) != 1 || len(ex.Response.Messages) != 1 {
		t.Errorf("stream %+v with %d+%d messages; want a bidirectional stream of one each way", ex.Stream, len(ex.Request.Messages), len(ex.Response.Messages))
	}
}
