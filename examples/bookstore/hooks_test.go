package bookstore

import (
	"context"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestTransportHooks: HTTPMiddleware wraps routing too (it sees a miss),
// and GRPCInterceptors run first outermost around every call.
func TestTransportHooks(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	note := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	interceptor := func(name string) grpc.UnaryServerInterceptor {
		return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			note(name + " " + info.FullMethod)
			resp, err := h(ctx, req)
			note(name + " " + status.Code(err).String())
			return resp, err
		}
	}
	inst, err := Start(Config{
		HTTPMiddleware: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Hooked", "yes")
				next.ServeHTTP(w, r)
				note("http " + r.Method + " " + r.URL.Path)
			})
		},
		GRPCInterceptors: []grpc.UnaryServerInterceptor{interceptor("outer"), interceptor("inner")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	})

	for _, path := range []string{"/v1/books", "/no/such/route"} {
		resp, err := http.Get("http://" + inst.HTTPAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Hooked") != "yes" {
			t.Errorf("GET %s: %d, middleware header missing", path, resp.StatusCode)
		}
	}
	_, err = bookpb.NewBookServiceClient(dialGRPC(t, inst.GRPCAddr)).GetBook(context.Background(), &bookpb.GetBookRequest{Id: "0000000000000042"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("GetBook: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		"http GET /v1/books", "http GET /no/such/route",
		"outer /bookstore.v1.BookService/GetBook", "inner /bookstore.v1.BookService/GetBook",
		"inner NotFound", "outer NotFound",
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("hooks saw %q\nwant %q", seen, want)
	}
}
