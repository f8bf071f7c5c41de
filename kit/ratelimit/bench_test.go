package ratelimit_test

import (
	"context"
	"testing"

	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/ratelimit"
)

// BenchmarkAllow is a call admitted by a limiter that never runs out,
// against a bare rate.Limiter.Allow in front of the endpoint.
func BenchmarkAllow(b *testing.B) {
	kit, err := ratelimit.NewErroring("bench", 1e12, 1<<30)
	if err != nil {
		b.Fatal(err)
	}
	raw := rate.NewLimiter(1e12, 1<<30)
	eps := []struct {
		name string
		e    endpoint.Endpoint
	}{
		{"impl=raw", func(ctx context.Context, req any) (any, error) {
			if !raw.Allow() {
				b.Fatal("raw limiter refused")
			}
			return endpoint.Nop(ctx, req)
		}},
		{"impl=kit", kit.Middleware(endpoint.Nop)},
	}
	for _, x := range eps {
		b.Run(x.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := x.e(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDeny is a call refused by an exhausted erroring limiter.
func BenchmarkDeny(b *testing.B) {
	l, err := ratelimit.NewErroring("bench", 1e-9, 1)
	if err != nil {
		b.Fatal(err)
	}
	e := l.Middleware(endpoint.Nop)
	ctx := context.Background()
	e(ctx, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e(ctx, nil); err == nil {
			b.Fatal("limiter allowed")
		}
	}
}

// BenchmarkDelayAllow is a call admitted at once by a delaying limiter that
// never runs out: the path every call takes while nobody waits.
func BenchmarkDelayAllow(b *testing.B) {
	l, err := ratelimit.NewDelaying("bench", 1e12, 1<<30)
	if err != nil {
		b.Fatal(err)
	}
	e := l.Middleware(endpoint.Nop)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}
