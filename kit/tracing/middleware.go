package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// ScopeName is the instrumentation scope of the tracers this package
// obtains from a TracerProvider.
const ScopeName = "github.com/kitbench/kitbench/kit/tracing"

// Names of the span events that kit's resilience middlewares record with
// AddEvent, so that every tool reading spans can recognise them.
const (
	// EventBreaker records a circuit breaker's state at call time.
	EventBreaker = "circuitbreaker"
	// EventLimiter records a rate limiter's wait or denial.
	EventLimiter = "ratelimit"
	// EventRetry records one retry attempt.
	EventRetry = "retry"
	// EventInstance records the service instance a load balancer chose.
	EventInstance = "lb.instance"
)

// Option configures Middleware.
type Option func(*options)

type options struct {
	kind  trace.SpanKind
	attrs []attribute.KeyValue
}

// WithSpanKind sets the kind of the spans the middleware starts:
// trace.SpanKindServer (the default, also what the zero value
// trace.SpanKindUnspecified means) for endpoints a transport serves,
// trace.SpanKindClient for endpoints that call another service.
func WithSpanKind(kind trace.SpanKind) Option {
	return func(o *options) { o.kind = kind }
}

// WithAttributes sets attributes that every span of the middleware carries,
// such as the transport or the peer service. They are fixed when the
// middleware is built; per-call values belong in events (AddEvent).
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(o *options) { o.attrs = append(o.attrs, attrs...) }
}

// Middleware returns an endpoint middleware that runs each call in a span
// named name, a child of the span context found in the call's context (one
// extracted by a server hook such as HTTPServerBefore, or the caller's own
// span). The span's status is an error when the endpoint returns an error
// or a response whose Failed method (endpoint.Failer) reports one; its
// description is transport.Summary of the error ("404 Not Found: no such
// book", "500 Internal Server Error"), never the error's own text, which
// stays in the service's logs. A panic ends the span with a "panic" event
// and status (MarkSpanPanicked), without the panic value, and
// goes on to the transport, which recovers it.
//
// A nil tp, or a no-op provider, yields a middleware that only calls next.
// With a *Provider, calls that its sampler would certainly drop (sampling
// off, or an unsampled parent) start no span at all: the context passes
// through unchanged, so the incoming trace context still propagates.
func Middleware(tp trace.TracerProvider, name string, opts ...Option) endpoint.Middleware {
	o := options{kind: trace.SpanKindServer}
	for _, opt := range opts {
		opt(&o)
	}
	if o.kind == trace.SpanKindUnspecified {
		o.kind = trace.SpanKindServer
	}
	if tp == nil {
		return func(next endpoint.Endpoint) endpoint.Endpoint { return next }
	}
	if _, ok := tp.(noop.TracerProvider); ok {
		return func(next endpoint.Endpoint) endpoint.Endpoint { return next }
	}
	var rootOff, knowsSampler bool
	if p, ok := tp.(*Provider); ok {
		knowsSampler, rootOff = true, p.rootOff
	}
	startOpts := []trace.SpanStartOption{trace.WithSpanKind(o.kind)}
	if len(o.attrs) > 0 {
		startOpts = append(startOpts, trace.WithAttributes(o.attrs...))
	}
	tracer := tp.Tracer(ScopeName)
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, request any) (any, error) {
			if knowsSampler {
				psc := trace.SpanContextFromContext(ctx)
				if psc.IsValid() && !psc.IsSampled() || !psc.IsValid() && rootOff {
					return next(ctx, request)
				}
			}
			ctx, span := tracer.Start(ctx, name, startOpts...)
			defer func() {
				// Not defer span.End(): the SDK's End, deferred directly,
				// records a panic's value on the span. Mark it without
				// the value and let the panic go on to the transport.
				if v := recover(); v != nil {
					MarkSpanPanicked(span)
					span.End()
					panic(v)
				}
				span.End()
			}()
			response, err := next(ctx, request)
			failure := err
			if failure == nil {
				if f, ok := response.(endpoint.Failer); ok {
					failure = f.Failed()
				}
			}
			if failure != nil && span.IsRecording() {
				// The status and client-safe text only: spans leave the
				// process (the introspection API, an exporter), and the
				// error's chain may hold queries, hosts or credentials.
				span.SetStatus(codes.Error, transport.Summary(failure))
			}
			return response, err
		}
	}
}

// AddEvent records an event on the span in ctx. It does nothing, and
// allocates nothing, when that span is not recording (no span, sampling
// off, a no-op provider). Use the Event… names for resilience decisions.
func AddEvent(ctx context.Context, name string, attrs ...attribute.KeyValue) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	// Copy, so that attrs does not escape and the caller's variadic slice
	// can stay on its stack when the span is not recording.
	own := make([]attribute.KeyValue, len(attrs))
	copy(own, attrs)
	span.AddEvent(name, trace.WithAttributes(own...))
}
