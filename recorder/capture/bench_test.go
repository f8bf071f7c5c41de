package capture_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/introspect"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func TestMain(m *testing.M) { benchutil.Main(m) }

// The loopback benchmarks serve the Book service in a child process and
// count its CPU per GetBook (server-ns/op), bare (impl=kit) and recording
// every exchange to a session file with default redaction:
// impl=kit-capture through a capture.Capture, impl=kit-capture-sync with
// capture.HTTP, one write(2) per request on the request's goroutine.
//
//   - "router": the Book HTTP router alone, the cheapest kit service there
//     is, so the capture's share is as large as it gets;
//   - "full": bookstore.Start, the whole chain (tracing, logging, metrics,
//     limiter, breaker), capture in Config.HTTPMiddleware;
//   - "grpc": bookstore.Start over gRPC, capture in Config.GRPCInterceptors.
func init() {
	for _, impl := range []string{"kit", "kit-capture", "kit-capture-sync"} {
		benchutil.Register("router-"+impl, func(ln net.Listener) error { return serveRouter(ln, impl) })
		benchutil.Register("full-"+impl, func(ln net.Listener) error { return serveFull(ln, impl, false) })
		benchutil.Register("grpc-"+impl, func(ln net.Listener) error { return serveFull(ln, impl, true) })
	}
}

// benchOptions name Book's HTTP endpoints the way Names does for a kit Router.
var benchOptions = capture.Options{Service: "bookstore", Name: capture.Names([]introspect.EndpointDoc{
	{Name: bookstore.MethodCreateBook, HTTPMethod: "POST", HTTPPath: bookstore.RouteCreateBook},
	{Name: bookstore.MethodListBooks, HTTPMethod: "GET", HTTPPath: bookstore.RouteListBooks},
	{Name: bookstore.MethodGetBook, HTTPMethod: "GET", HTTPPath: bookstore.RouteGetBook},
	{Name: bookstore.MethodDeleteBook, HTTPMethod: "DELETE", HTTPPath: bookstore.RouteDeleteBook},
})}

// sessionFile opens a session file that disappears with the process.
func sessionFile() (*recorder.Writer, error) {
	f, err := os.CreateTemp("", "capture-bench-*.kitrec")
	if err != nil {
		return nil, err
	}
	f.Close()
	w, err := recorder.Create(f.Name(), recorder.Header{Service: "bookstore"}, recorder.WriteOptions{})
	os.Remove(f.Name()) // the open file stays writable; nothing is left behind
	return w, err
}

func serveRouter(ln net.Listener, impl string) error {
	var h http.Handler = bookHandler()
	if impl != "kit" {
		w, err := sessionFile()
		if err != nil {
			return err
		}
		if impl == "kit-capture" {
			h = capture.New(w, benchOptions).HTTP(h)
		} else {
			h = capture.HTTP(w, benchOptions)(h)
		}
	}
	return kithttp.NewHTTPServer("", h).Serve(ln)
}

// serveFull starts bookstore.Start on ln's address (HTTP, or gRPC) with one
// book in store and a limiter that never limits. It lives as long as the
// child process.
func serveFull(ln net.Listener, impl string, overGRPC bool) error {
	store := bookstore.NewStore()
	_, _ = store.CreateBook(context.Background(), bookstore.Book{Title: "Bench", Author: "Mark", Year: 2026})
	cfg := bookstore.Config{Service: store, RateLimit: 1e9, Burst: 1 << 20}
	if overGRPC {
		cfg.GRPCAddr = ln.Addr().String()
	} else {
		cfg.HTTPAddr = ln.Addr().String()
	}
	cfg.NoExchangeRing = impl != "kit-ring" // the baseline and file capture are measured without the ring
	if impl != "kit" && impl != "kit-ring" {
		w, err := sessionFile()
		if err != nil {
			return err
		}
		switch {
		case impl == "kit-capture":
			c := capture.New(w, benchOptions)
			cfg.HTTPMiddleware, cfg.GRPCInterceptors = c.HTTP, []grpc.UnaryServerInterceptor{c.Unary}
		default:
			cfg.HTTPMiddleware = capture.HTTP(w, benchOptions)
			cfg.GRPCInterceptors = []grpc.UnaryServerInterceptor{capture.UnaryServerInterceptor(w, benchOptions)}
		}
	}
	ln.Close() // bookstore.Start listens itself, on the same loopback port
	_, err := bookstore.Start(cfg)
	return err
}

func bookHandler() *kithttp.Router {
	store := bookstore.NewStore()
	_, _ = store.CreateBook(context.Background(), bookstore.Book{Title: "Bench", Author: "Mark", Year: 2026})
	return bookstore.NewHTTPHandler(bookstore.MakeEndpoints(store))
}

// BenchmarkCaptureServerCPU reports the Book router's CPU per GetBook over
// loopback HTTP, b.N requests over 4 keep-alive connections.
func BenchmarkCaptureServerCPU(b *testing.B) {
	for _, impl := range []string{"kit", "kit-capture", "kit-capture-sync"} {
		b.Run("impl="+impl, func(b *testing.B) { measure(b, "router-", impl, httpCaller) })
	}
}

// BenchmarkCaptureFullServerCPU is BenchmarkCaptureServerCPU against the
// whole Book service (bookstore.Start).
func BenchmarkCaptureFullServerCPU(b *testing.B) {
	for _, impl := range []string{"kit", "kit-capture", "kit-capture-sync"} {
		b.Run("impl="+impl, func(b *testing.B) { measure(b, "full-", impl, httpCaller) })
	}
}

// BenchmarkCaptureGRPCServerCPU reports the whole Book service's CPU per
// GetBook over gRPC, b.N calls over 4 goroutines sharing one connection.
func BenchmarkCaptureGRPCServerCPU(b *testing.B) {
	for _, impl := range []string{"kit", "kit-capture", "kit-capture-sync"} {
		b.Run("impl="+impl, func(b *testing.B) { measure(b, "grpc-", impl, grpcCaller) })
	}
}

// grpcCaller returns a function making one GetBook call to the child.
func grpcCaller(b *testing.B, child *benchutil.Child) func(int) error {
	cc, err := grpc.NewClient(child.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Close() })
	client := bookpb.NewBookServiceClient(cc)
	return func(int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := client.GetBook(ctx, &bookpb.GetBookRequest{Id: "0000000000000001"})
		return err
	}
}

// httpCaller returns a function making one GetBook request to the child.
func httpCaller(b *testing.B, child *benchutil.Child) func(int) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.Cleanup(client.CloseIdleConnections)
	url := "http://" + child.Addr + "/v1/books/0000000000000001"
	return func(int) error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("GetBook: %s", resp.Status)
		}
		return nil
	}
}

// measure starts the child serving prefix+impl, waits for it to serve,
// warms it up and measures b.N calls. Every impl but kit is measured in
// turns with a kit child (benchutil.ReportPairedServerCPU), which also
// reports server-cpu-ratio: the capture's cost as a ratio that does not
// drift with the machine.
func measure(b *testing.B, prefix, impl string, caller func(*testing.B, *benchutil.Child) func(int) error) {
	start := func(name string) (*benchutil.Child, func(int) error) {
		child := benchutil.StartChild(b, name)
		call := caller(b, child)
		var err error
		for range 100 {
			if err = call(0); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := benchutil.Spread(1000, 4, call); err != nil {
			b.Fatal(err)
		}
		return child, call
	}
	child, call := start(prefix + impl)
	b.ReportAllocs()
	if impl == "kit" {
		benchutil.ReportServerCPU(b, child, func() {
			if err := benchutil.Spread(b.N, 4, call); err != nil {
				b.Fatal(err)
			}
		})
		return
	}
	base, baseCall := start(prefix + "kit")
	calls := map[*benchutil.Child]func(int) error{child: call, base: baseCall}
	benchutil.ReportPairedServerCPU(b, child, base, func(to *benchutil.Child, n int) error {
		return benchutil.Spread(n, 4, calls[to])
	})
}
