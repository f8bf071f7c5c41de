package metrics

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

type benchRequest struct{ ID string }

func benchEndpoint(_ context.Context, req any) (any, error) { return req, nil }

// BenchmarkMiddleware compares a call through the metrics middleware
// (impl=kit) with the bare endpoint (impl=raw).
func BenchmarkMiddleware(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	req := &benchRequest{ID: "42"}
	ctx := context.Background()
	for _, impl := range []struct {
		name string
		e    endpoint.Endpoint
	}{
		{"kit", m.Middleware("GetBook", "http")(benchEndpoint)},
		{"raw", benchEndpoint},
	} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := impl.e(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMiddlewareError measures the failure path, where the code is
// derived from the error.
func BenchmarkMiddlewareError(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	fail := transport.NewError(404, "no such book")
	e := m.Middleware("GetBook", "http")(func(context.Context, any) (any, error) { return nil, fail })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = e(ctx, nil)
	}
}

func BenchmarkMiddlewareParallel(b *testing.B) {
	m, err := New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	e := m.Middleware("GetBook", "http")(benchEndpoint)
	req := &benchRequest{ID: "42"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			_, _ = e(ctx, req)
		}
	})
}
