package capture_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) WriteHeader(int)             {}
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// processCPU is the process's CPU time (every goroutine's, the Capture's
// writer included) in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkCaptureServeHTTP calls the Book router in process, bare and
// behind capture writing to a session file (through a Capture, and on
// the request's goroutine): the capture's cost per request, without the
// network. The Capture's goroutine runs beside the loop, so its encoding
// and writing show in ns/op only when both cores are busy; the loopback
// benchmarks count all of the server's CPU. cpu-ns/op is the process's
// CPU time per request, the writer's included; run with -cpu 1 for a
// figure that other load on the machine does not change.
func BenchmarkCaptureServeHTTP(b *testing.B) {
	for _, impl := range []string{"kit", "kit-capture", "kit-capture-sync"} {
		b.Run("impl="+impl, func(b *testing.B) {
			router := bookHandler()
			var h http.Handler = router
			if impl != "kit" {
				w, err := recorder.Create(filepath.Join(b.TempDir(), "b.kitrec"), recorder.Header{}, recorder.WriteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				opts := capture.Options{Service: "bookstore", Name: capture.Names(router.Endpoints())}
				if impl == "kit-capture" {
					c := capture.New(w, opts)
					defer c.Close()
					h = c.HTTP(router)
				} else {
					h = capture.HTTP(w, opts)(router)
				}
			}
			r, err := http.NewRequest("GET", "http://127.0.0.1:8080/v1/books/0000000000000001", nil)
			if err != nil {
				b.Fatal(err)
			}
			r.Header.Set("User-Agent", "Go-http-client/1.1")
			r.Header.Set("Accept-Encoding", "gzip")
			w := &nopWriter{h: http.Header{}}
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// fakeStream is the ServerTransportStream of an in-process unary call.
type fakeStream struct{}

func (fakeStream) Method() string               { return "/bookstore.v1.BookService/GetBook" }
func (fakeStream) SetHeader(metadata.MD) error  { return nil }
func (fakeStream) SendHeader(metadata.MD) error { return nil }
func (fakeStream) SetTrailer(metadata.MD) error { return nil }

// BenchmarkCaptureUnary calls the Book gRPC server's GetBook in process,
// bare and through a Capture's interceptor writing to a session file, with
// the metadata grpc-go hands a real call: the capture's CPU per call
// (cpu-ns/op, the writer's goroutine included), without the network.
func BenchmarkCaptureUnary(b *testing.B) {
	for _, impl := range []string{"kit", "kit-capture"} {
		b.Run("impl="+impl, func(b *testing.B) {
			store := bookstore.NewStore()
			_, _ = store.CreateBook(context.Background(), bookstore.Book{Title: "Bench", Author: "Mark", Year: 2026})
			srv := bookstore.NewGRPCServer(bookstore.MakeEndpoints(store))
			info := &grpc.UnaryServerInfo{FullMethod: "/bookstore.v1.BookService/GetBook"}
			handler := func(ctx context.Context, req any) (any, error) {
				return srv.GetBook(ctx, req.(*bookpb.GetBookRequest))
			}
			call := func(ctx context.Context, req any) (any, error) { return handler(ctx, req) }
			if impl != "kit" {
				w, err := recorder.Create(filepath.Join(b.TempDir(), "b.kitrec"), recorder.Header{}, recorder.WriteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				c := capture.New(w, capture.Options{Service: "bookstore"})
				defer c.Close()
				call = func(ctx context.Context, req any) (any, error) { return c.Unary(ctx, req, info, handler) }
			}
			ctx := metadata.NewIncomingContext(context.Background(), metadata.MD{
				":authority": {"127.0.0.1:8081"}, "content-type": {"application/grpc"},
				"grpc-accept-encoding": {"gzip"}, "user-agent": {"grpc-go/1.85.0"},
			})
			ctx = peer.NewContext(ctx, &peer.Peer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8081}})
			ctx = grpc.NewContextWithServerTransportStream(ctx, fakeStream{})
			req := &bookpb.GetBookRequest{Id: "0000000000000001"}
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				if _, err := call(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
