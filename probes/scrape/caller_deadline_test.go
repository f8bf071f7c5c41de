package scrape_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/probes/scrape"
)

// A caller whose own deadline passes while the service is still working
// says nothing against the service: over real gRPC, the failure ratio
// derived from the caller's client-side metrics and from the Book
// service's own /metrics stays at zero after such a call, as the breaker
// and ejection see it; a server failure raises both.
//
// The client side is where the caller's deadline shows for certain (its
// context reports context.DeadlineExceeded); the server usually sees the
// stream cancelled before its copy of the deadline fires, and either way
// the call must not count as the service's failure.
func TestCallerDeadlineIsNotAFailure(t *testing.T) {
	// finished gets a value when a GetBook call has left the server's
	// handler, its metrics recorded (the interceptor is outermost).
	finished := make(chan struct{}, 2)
	inst, err := bookstore.Start(bookstore.Config{
		Middleware: func(method string, next endpoint.Endpoint) endpoint.Endpoint {
			if method != bookstore.MethodGetBook {
				return next
			}
			return func(ctx context.Context, req any) (any, error) {
				switch req.(bookstore.GetBookRequest).ID {
				case "slow": // works until the caller stops waiting
					<-ctx.Done()
					return nil, ctx.Err()
				case "broken":
					return nil, transport.NewError(http.StatusServiceUnavailable, "broken")
				}
				return next(ctx, req)
			}
		},
		GRPCInterceptors: []grpc.UnaryServerInterceptor{func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			resp, err := h(ctx, req)
			if info.FullMethod == "/"+bookstore.GRPCService+"/"+bookstore.MethodGetBook {
				finished <- struct{}{}
			}
			return resp, err
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	})
	cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()

	// The caller's own metrics, served on loopback as a service serves
	// its /metrics.
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	clientMetrics := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer clientMetrics.Close()
	getBook := m.Middleware(bookstore.MethodGetBook, "grpc")(bookstore.NewGRPCClient(cc).GetBook)

	s := scrape.New()
	defer s.Close()
	stats := func(url string) scrape.EndpointStats {
		t.Helper()
		snap, err := s.Scrape(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range scrape.Derive(nil, snap).Endpoints {
			if e.Endpoint == bookstore.MethodGetBook && e.Transport == "grpc" {
				return e
			}
		}
		t.Fatalf("%s: no GetBook/grpc in the derived stats", url)
		return scrape.EndpointStats{}
	}
	// call calls GetBook with ctx, waits until the server has recorded
	// it, and returns the call's error and the stats of both sides.
	call := func(ctx context.Context, id string) (client, server scrape.EndpointStats, err error) {
		t.Helper()
		_, err = getBook(ctx, bookstore.GetBookRequest{ID: id})
		select {
		case <-finished:
		case <-time.After(20 * time.Second):
			t.Fatal("the server never finished the call")
		}
		return stats(clientMetrics.URL), stats("http://" + inst.AdminAddr + "/metrics"), err
	}

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	client, server, err := call(ctx, "slow")
	if transport.StatusOf(err) != http.StatusGatewayTimeout {
		t.Fatalf("the slow call returned %v, want the caller's deadline", err)
	}
	for side, e := range map[string]scrape.EndpointStats{"client": client, "server": server} {
		if e.Requests != 1 || e.Failures != 0 || e.FailureRatio != 0 {
			t.Errorf("%s side, after the caller's deadline: %+v, want 1 request and no failure", side, e)
		}
	}

	client, server, err = call(t.Context(), "broken")
	if transport.StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("the broken call returned %v, want 503", err)
	}
	for side, e := range map[string]scrape.EndpointStats{"client": client, "server": server} {
		if e.Requests != 2 || e.Failures != 1 || e.FailureRatio != 0.5 {
			t.Errorf("%s side, after a server failure: %+v, want 2 requests and 1 failure", side, e)
		}
	}
}
