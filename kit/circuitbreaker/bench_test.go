package circuitbreaker_test

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
)

func benchEndpoints(b *testing.B, opts ...circuitbreaker.Option) map[string]endpoint.Endpoint {
	br, err := circuitbreaker.New("bench", opts...)
	if err != nil {
		b.Fatal(err)
	}
	return map[string]endpoint.Endpoint{"impl=raw": endpoint.Nop, "impl=kit": br.Middleware(endpoint.Nop)}
}

// BenchmarkClosed is one successful call through a closed breaker (the
// default consecutive policy), against the bare endpoint.
func BenchmarkClosed(b *testing.B) {
	eps := benchEndpoints(b)
	for _, impl := range []string{"impl=raw", "impl=kit"} {
		e := eps[impl]
		b.Run(impl, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				_, _ = e(ctx, nil)
			}
		})
	}
}

// BenchmarkClosedParallel is BenchmarkClosed from GOMAXPROCS goroutines.
func BenchmarkClosedParallel(b *testing.B) {
	eps := benchEndpoints(b)
	for _, impl := range []string{"impl=raw", "impl=kit"} {
		e := eps[impl]
		b.Run(impl, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					_, _ = e(ctx, nil)
				}
			})
		})
	}
}

// BenchmarkClosedRatio is BenchmarkClosed under the ratio policy, which
// also reads the monotonic clock to find its window bucket.
func BenchmarkClosedRatio(b *testing.B) {
	eps := benchEndpoints(b, circuitbreaker.ErrorRatio(0.5, 20, 10*time.Second))
	for _, impl := range []string{"impl=raw", "impl=kit"} {
		e := eps[impl]
		b.Run(impl, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				_, _ = e(ctx, nil)
			}
		})
	}
}

// BenchmarkOpen is a call rejected by an open breaker.
func BenchmarkOpen(b *testing.B) {
	br, err := circuitbreaker.New("bench", circuitbreaker.ConsecutiveFailures(1), circuitbreaker.OpenTimeout(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	e := br.Middleware(func(context.Context, any) (any, error) { return nil, errBoom })
	ctx := context.Background()
	e(ctx, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e(ctx, nil); err == errBoom {
			b.Fatal("breaker not open")
		}
	}
}
