package bench

import (
	"context"
	"testing"

	gokitcb "github.com/go-kit/kit/circuitbreaker"
	gokitendpoint "github.com/go-kit/kit/endpoint"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/sony/gobreaker"
)

// The circuit breaker alone, closed, around an endpoint that succeeds:
// kit's engine (impl=kit), sony/gobreaker through go-kit's adapter
// (impl=gokit), and no breaker (impl=bare); serial and under RunParallel.

func breakerImpls(b *testing.B) []struct {
	name string
	e    endpoint.Endpoint
} {
	br, err := circuitbreaker.New("bench")
	if err != nil {
		b.Fatal(err)
	}
	gb := gokitcb.Gobreaker(gobreaker.NewCircuitBreaker(gobreaker.Settings{Name: "bench"}))
	return []struct {
		name string
		e    endpoint.Endpoint
	}{
		{"bare", endpoint.Nop},
		{"kit", br.Middleware(endpoint.Nop)},
		{"gokit", endpoint.Endpoint(gb(gokitendpoint.Endpoint(endpoint.Nop)))},
	}
}

func BenchmarkBreaker(b *testing.B) {
	for _, impl := range breakerImpls(b) {
		b.Run("impl="+impl.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := impl.e(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBreakerParallel(b *testing.B) {
	for _, impl := range breakerImpls(b) {
		b.Run("impl="+impl.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := impl.e(ctx, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
