package tracing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// BenchmarkMiddleware measures one traced call against the bare endpoint
// (impl=raw). impl=otelsdk is the same middleware over a plain SDK
// provider with the same sampler, which has no skip path: what a span per
// call costs when the SDK itself decides.
func BenchmarkMiddleware(b *testing.B) {
	bare := endpoint.Endpoint(func(context.Context, any) (any, error) { return nil, nil })
	for _, sampled := range []bool{false, true} {
		ratio := 0.0
		sampler := sdktrace.ParentBased(sdktrace.NeverSample())
		if sampled {
			ratio, sampler = 1, sdktrace.ParentBased(sdktrace.AlwaysSample())
		}
		tp, _ := newProvider(b, WithSampleRatio(ratio))
		plain := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithSpanProcessor(NewRing(64, nil)))
		b.Cleanup(func() { _ = plain.Shutdown(context.Background()) })
		impls := []struct {
			name string
			ep   endpoint.Endpoint
		}{
			{"kit", Middleware(tp, "GetBook", WithAttributes(attribute.String("transport", "http")))(bare)},
			{"raw", bare},
			{"otelsdk", Middleware(plain, "GetBook", WithAttributes(attribute.String("transport", "http")))(bare)},
		}
		name := "sampled=false"
		if sampled {
			name = "sampled=true"
		}
		for _, impl := range impls {
			b.Run(name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for b.Loop() {
					_, _ = impl.ep(ctx, nil)
				}
			})
		}
	}
}

// BenchmarkAddEvent measures recording a resilience decision on a span
// that is recording, and on one that is not.
func BenchmarkAddEvent(b *testing.B) {
	tp, _ := newProvider(b)
	ctx, span := tp.Tracer("b").Start(context.Background(), "s")
	defer span.End()
	b.Run("recording=false", func(b *testing.B) {
		b.ReportAllocs()
		ctx := trace.ContextWithSpan(context.Background(), trace.SpanFromContext(context.Background()))
		for b.Loop() {
			AddEvent(ctx, EventRetry, attribute.Int("attempt", 1))
		}
	})
	b.Run("recording=true", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if i%100 == 0 { // keep the span's event queue from dominating
				_, span = tp.Tracer("b").Start(context.Background(), "s")
				ctx = trace.ContextWithSpan(context.Background(), span)
			}
			AddEvent(ctx, EventRetry, attribute.Int("attempt", 1))
		}
	})
}

// BenchmarkHTTPServerBefore extracts the trace context and baggage of an
// incoming request, with a traceparent header and without, through kit's
// hook (impl=kit) and through otel's own propagation.HeaderCarrier
// (impl=raw).
func BenchmarkHTTPServerBefore(b *testing.B) {
	prop := orDefault(nil)
	hook := HTTPServerBefore(prop)
	raw := func(ctx context.Context, r *http.Request) context.Context {
		return prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	for _, traced := range []bool{false, true} {
		r := httptest.NewRequest(http.MethodGet, "/v1/books/1", nil)
		name := "traced=false"
		if traced {
			name = "traced=true"
			r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		}
		for _, impl := range []struct {
			name string
			hook func(context.Context, *http.Request) context.Context
		}{{"kit", hook}, {"raw", raw}} {
			b.Run(name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for b.Loop() {
					_ = impl.hook(ctx, r)
				}
			})
		}
	}
}
