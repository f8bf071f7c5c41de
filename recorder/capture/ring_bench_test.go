package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// The ring's loopback benchmarks serve the whole Book service
// (bookstore.Start) in a child process with its exchange ring on
// (impl=kit-ring, the default) and measure its CPU per GetBook paired
// with the same service without the ring (impl=kit).
func init() {
	benchutil.Register("full-kit-ring", func(ln net.Listener) error { return serveFull(ln, "kit-ring", false) })
	benchutil.Register("grpc-kit-ring", func(ln net.Listener) error { return serveFull(ln, "kit-ring", true) })
}

// BenchmarkRingFullServerCPU reports the Book service's CPU per GetBook over
// loopback HTTP, with and without its exchange ring.
func BenchmarkRingFullServerCPU(b *testing.B) {
	for _, impl := range []string{"kit", "kit-ring"} {
		b.Run("impl="+impl, func(b *testing.B) { measure(b, "full-", impl, httpCaller) })
	}
}

// BenchmarkRingGRPCServerCPU is BenchmarkRingFullServerCPU over gRPC.
func BenchmarkRingGRPCServerCPU(b *testing.B) {
	for _, impl := range []string{"kit", "kit-ring"} {
		b.Run("impl="+impl, func(b *testing.B) { measure(b, "grpc-", impl, grpcCaller) })
	}
}

// discardWriter is a ResponseWriter that keeps nothing, reused across
// iterations so that only the ring's allocations are counted.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkRingHTTP serves a GetBook-sized request in process, bare and
// through a Ring: the ring's own cost and allocations per exchange.
func BenchmarkRingHTTP(b *testing.B) {
	body := []byte(`{"id":"0000000000000001","title":"Bench","author":"Mark","year":2026,"create_time":"2026-03-01T12:00:00Z"}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(body)
	})
	ring, err := capture.NewRing(benchOptions, capture.RingOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for impl, srv := range map[string]http.Handler{"bare": h, "ring": ring.HTTP(h)} {
		b.Run("impl="+impl, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/v1/books/0000000000000001", nil)
			req.Pattern = "GET /v1/books/{id}" // as the kit Router's ServeMux sets it
			req.Header.Set("User-Agent", "bench")
			req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				srv.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkRingUnary calls a unary handler in process, bare and through
// the Ring's interceptor, with the metadata a grpc-go client sends.
func BenchmarkRingUnary(b *testing.B) {
	ring, err := capture.NewRing(benchOptions, capture.RingOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(
		":authority", "127.0.0.1:9090", "content-type", "application/grpc", "user-agent", "grpc-go/1.85.0",
		"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
	req := &bookpb.GetBookRequest{Id: "0000000000000001"}
	resp := &bookpb.Book{Id: "0000000000000001", Title: "Bench", Author: "Mark", Year: 2026}
	handler := func(context.Context, any) (any, error) { return resp, nil }
	info := &grpc.UnaryServerInfo{FullMethod: "/bookstore.v1.BookService/GetBook"}
	bare := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		return h(ctx, req)
	}
	for impl, ic := range map[string]grpc.UnaryServerInterceptor{"bare": bare, "ring": ring.Unary} {
		b.Run("impl="+impl, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ic(ctx, req, info, handler)
			}
		})
	}
}

// BenchmarkRingRead reads n GetBook exchanges through the admin handler's
// /exchanges: redacting and encoding every one, as a workbench read does.
func BenchmarkRingRead(b *testing.B) {
	const n = 1000
	ring, err := capture.NewRing(benchOptions, capture.RingOptions{})
	if err != nil {
		b.Fatal(err)
	}
	h := ring.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"title":"Bench","author":"Mark","year":2026,"create_time":"2026-03-01T12:00:00Z"}`, r.URL.Path)
	}))
	for i := range n {
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/v1/books/%016d", i), nil)
		req.Header.Set("Authorization", "Bearer secret-token")
		req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	reg := introspect.NewRegistry(introspect.Info{Service: "bookstore"})
	reg.SetExchanges(ring)
	admin := introspect.NewHandler(reg)
	defer admin.Close()
	b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
		var out bytes.Buffer
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, introspect.PathPrefix+"/exchanges?limit=1000", nil)
			req.Host = "127.0.0.1"
			w := httptest.NewRecorder()
			w.Body = &out
			out.Reset()
			admin.ServeHTTP(w, req)
			if w.Code != http.StatusOK || w.Header().Get(introspect.HeaderExchangesCount) != "1000" {
				b.Fatalf("%d, %s exchanges", w.Code, w.Header().Get(introspect.HeaderExchangesCount))
			}
		}
		_, _ = io.Discard.Write(out.Bytes())
	})
}
