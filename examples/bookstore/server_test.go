package bookstore

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func start(t *testing.T, svc Service) *Instance {
	t.Helper()
	return startWith(t, Config{Service: svc})
}

// startWith starts an instance configured by cfg and shuts it down at
// cleanup.
func startWith(t testing.TB, cfg Config) *Instance {
	t.Helper()
	inst, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	})
	return inst
}

func dialGRPC(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func doJSON(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body %q is not a JSON object: %v", method, url, raw, err)
	}
	return resp.StatusCode, out
}

func TestHTTPAndGRPCShareTheStore(t *testing.T) {
	inst := start(t, nil)
	base := "http://" + inst.HTTPAddr

	code, created := doJSON(t, "POST", base+"/v1/books", `{"title":"Dune","author":"Frank Herbert","year":1965}`)
	if code != 200 || created["id"] == "" || created["title"] != "Dune" {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["id"].(string)

	// The book created over HTTP is visible over gRPC, and the other way round.
	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	ctx := context.Background()
	got, err := client.GetBook(ctx, &bookpb.GetBookRequest{Id: id})
	if err != nil || got.GetTitle() != "Dune" || got.GetYear() != 1965 || got.GetCreateTime().AsTime().IsZero() {
		t.Fatalf("grpc get: %v %v", got, err)
	}
	b2, err := client.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Emma", Author: "Jane Austen"}})
	if err != nil {
		t.Fatal(err)
	}
	if code, book := doJSON(t, "GET", base+"/v1/books/"+b2.GetId(), ""); code != 200 || book["author"] != "Jane Austen" {
		t.Fatalf("http get: %d %v", code, book)
	}
	if code, page := doJSON(t, "GET", base+"/v1/books?page_size=1", ""); code != 200 ||
		len(page["books"].([]any)) != 1 || page["next_page_token"] == nil {
		t.Fatalf("http list: %d %v", code, page)
	}
	list, err := client.ListBooks(ctx, &bookpb.ListBooksRequest{PageSize: 10})
	if err != nil || len(list.GetBooks()) != 2 || list.GetNextPageToken() != "" {
		t.Fatalf("grpc list: %v %v", list, err)
	}
	if code, _ := doJSON(t, "DELETE", base+"/v1/books/"+id, ""); code != 200 {
		t.Fatalf("http delete: %d", code)
	}
	if _, err := client.DeleteBook(ctx, &bookpb.DeleteBookRequest{Id: id}); status.Code(err) != codes.NotFound {
		t.Fatalf("grpc delete of a deleted book: %v", err)
	}
}

func TestErrorsOnTheWire(t *testing.T) {
	inst := start(t, nil)
	base := "http://" + inst.HTTPAddr
	for _, tc := range []struct {
		method, path, body string
		code               int
		mention            string
	}{
		{"GET", "/v1/books/nope", "", 404, "not found"},
		{"POST", "/v1/books", `{"title":""}`, 400, "title"},
		{"POST", "/v1/books", `{"title":5}`, 400, "title"},
		{"POST", "/v1/books", `{"title":"x"`, 400, ""},
		{"GET", "/v1/books?page_size=abc", "", 400, "page_size"},
		{"GET", "/v1/books?page_token=zz", "", 400, "page_token"},
		{"PUT", "/v1/books", "", 405, ""},
		{"GET", "/v2/nothing", "", 404, ""},
	} {
		code, body := doJSON(t, tc.method, base+tc.path, tc.body)
		msg, _ := body["error"].(string)
		if code != tc.code || !strings.Contains(msg, tc.mention) {
			t.Errorf("%s %s %s: %d %v, want %d mentioning %q", tc.method, tc.path, tc.body, code, body, tc.code, tc.mention)
		}
	}

	client := bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr))
	ctx := context.Background()
	if _, err := client.GetBook(ctx, &bookpb.GetBookRequest{Id: "nope"}); status.Code(err) != codes.NotFound {
		t.Errorf("grpc get unknown: %v", err)
	}
	_, err := client.CreateBook(ctx, &bookpb.CreateBookRequest{})
	if st := status.Convert(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "title") {
		t.Errorf("grpc create empty: %v", err)
	}
	if _, err := client.ListBooks(ctx, &bookpb.ListBooksRequest{PageSize: 1000}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("grpc list too large: %v", err)
	}
}

// gate is a Service whose GetBook waits until released.
type gate struct {
	Service
	entered chan struct{}
	release chan struct{}
}

func (g *gate) GetBook(ctx context.Context, id string) (Book, error) {
	close(g.entered)
	<-g.release
	return g.Service.GetBook(ctx, id)
}

func TestGracefulShutdown(t *testing.T) {
	store := NewStore()
	b, _ := store.CreateBook(context.Background(), Book{Title: "In flight"})
	g := &gate{Service: store, entered: make(chan struct{}), release: make(chan struct{})}
	inst, err := Start(Config{Service: g})
	if err != nil {
		t.Fatal(err)
	}
	cc := dialGRPC(t, inst.GRPCAddr)

	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	watch, err := healthpb.NewHealthClient(cc).Watch(watchCtx, &healthpb.HealthCheckRequest{Service: GRPCService})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := watch.Recv(); err != nil || st.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health before shutdown: %v %v", st, err)
	}

	// An HTTP request is in flight when shutdown starts.
	type result struct {
		code int
		body []byte
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + inst.HTTPAddr + "/v1/books/" + b.ID)
		if err != nil {
			inflight <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		inflight <- result{code: resp.StatusCode, body: body}
	}()
	<-g.entered

	shutdown := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		shutdown <- inst.Shutdown(ctx)
	}()

	// Health turns NOT_SERVING first.
	if st, err := watch.Recv(); err != nil || st.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health during shutdown: %v %v", st, err)
	}
	stopWatch()

	// New connections are refused while the in-flight request still runs.
	waitRefused(t, inst.HTTPAddr)

	close(g.release)
	r := <-inflight
	if r.err != nil || r.code != 200 || !bytes.Contains(r.body, []byte("In flight")) {
		t.Fatalf("in-flight request: %d %q %v", r.code, r.body, r.err)
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// waitRefused waits (bounded) until addr no longer accepts connections.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s still accepts connections during shutdown", addr)
}

func TestStartReportsBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Start(Config{HTTPAddr: ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "HTTP") {
		t.Fatalf("err = %v, want one naming HTTP and %s", err, ln.Addr())
	}
}

func TestShutdownLeavesNoGoroutines(t *testing.T) {
	http.DefaultClient.CloseIdleConnections()
	before := goleak.IgnoreCurrent()
	for range 3 {
		inst, err := Start(Config{TraceSampling: 1})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get("http://" + inst.HTTPAddr + "/v1/books")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := inst.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	testutil.VerifyNone(t, before)
}
