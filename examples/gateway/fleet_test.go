package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/consul"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
	"github.com/kitbench/kitbench/kit/transport"
)

// book is one Book instance of a test fleet, with a switch that makes every
// call fail with a 500 and a count of the calls it served.
type book struct {
	*bookstore.Instance
	fail    atomic.Bool
	calls   atomic.Int64
	stopped atomic.Bool
}

// stop shuts the instance down once.
func (b *book) stop(t *testing.T) {
	if b.stopped.CompareAndSwap(false, true) {
		shutdown(t, b.Shutdown)
	}
}

func (b *book) middleware(_ string, next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		b.calls.Add(1)
		if b.fail.Load() {
			return nil, transport.NewError(http.StatusInternalServerError, "injected failure")
		}
		return next(ctx, req)
	}
}

// fleet is a dev registry, three registered Book instances and a gateway
// that discovers them, all on loopback.
type fleet struct {
	registry string // host:port
	books    []*book
	gw       *gateway.Instance
	http     *http.Client
	grpc     bookpb.BookServiceClient
}

// discovery lets the tests see fleet changes at once, as kit/sd/consul's
// own integration tests do; the gateway's defaults allow one query a second.
var discovery = consul.InstancerOptions{Wait: 5 * time.Second, RateEvery: 10 * time.Millisecond, BackoffMin: 50 * time.Millisecond}

// newFleet starts everything and registers its shutdown; the last cleanup
// checks that every goroutine it started has ended. edit may change the
// gateway's configuration.
func newFleet(t *testing.T, edit func(*gateway.Config)) *fleet {
	t.Helper()
	testutil.NoLeaks(t)

	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); _ = reg.Serve(ln) }()
	t.Cleanup(func() { reg.Close(); <-served })
	f := &fleet{registry: ln.Addr().String()}

	for i := range 3 {
		b := &book{}
		inst, err := bookstore.Start(bookstore.Config{
			InstanceID: fmt.Sprintf("book-%d", i), Registry: f.registry, Middleware: b.middleware,
			Controls: &introspect.ControlPolicy{},
		})
		if err != nil {
			t.Fatal(err)
		}
		b.Instance = inst
		t.Cleanup(func() { b.stop(t) })
		f.books = append(f.books, b)
	}

	cfg := gateway.Config{Registry: f.registry, Discovery: discovery, TraceSampling: 1}
	if edit != nil {
		edit(&cfg)
	}
	if f.gw, err = gateway.Start(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdown(t, f.gw.Shutdown) })
	waitFor(t, "the gateway to see 3 instances", func() bool { return len(f.gw.Upstreams()) == 3 })

	tr := &http.Transport{}
	f.http = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	cc, err := grpc.NewClient(f.gw.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	f.grpc = bookpb.NewBookServiceClient(cc)
	return f
}

func shutdown(t *testing.T, stop func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// listHTTP lists books through the gateway's HTTP face and returns the
// status code.
func (f *fleet) listHTTP(t *testing.T) int {
	t.Helper()
	resp, err := f.http.Get("http://" + f.gw.HTTPAddr + "/v1/books?page_size=5")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && !strings.Contains(string(body), `"books"`) {
		t.Fatalf("200 with body %q", body)
	}
	return resp.StatusCode
}

// listGRPC lists books through the gateway's gRPC face.
func (f *fleet) listGRPC(t *testing.T) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := f.grpc.ListBooks(ctx, &bookpb.ListBooksRequest{PageSize: 5})
	return err
}

// getJSON fetches an admin resource into v.
func (f *fleet) getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := f.http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func (f *fleet) getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := f.http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// breaker returns the gateway's breaker called name as its admin listener
// serves it, and whether there is one.
func (f *fleet) breaker(t *testing.T, name string) (introspect.Breaker, bool) {
	t.Helper()
	var bs []introspect.Breaker
	f.getJSON(t, "http://"+f.gw.AdminAddr+introspect.PathPrefix+"/breakers", &bs)
	for _, b := range bs {
		if b.Name == name {
			return b, true
		}
	}
	return introspect.Breaker{}, false
}

// spans returns every span in the ring served at admin.
func (f *fleet) spans(t *testing.T, admin string) []introspect.Span {
	t.Helper()
	var page introspect.SpanPage
	f.getJSON(t, "http://"+admin+introspect.PathPrefix+"/spans?limit=1000", &page)
	return page.Spans
}
