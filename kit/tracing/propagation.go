package tracing

import (
	"context"
	"net/http"
	"net/textproto"
	"strings"

	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc/metadata"
)

// orDefault returns prop, or W3C trace context plus baggage when it is nil.
func orDefault(prop propagation.TextMapPropagator) propagation.TextMapPropagator {
	if prop == nil {
		return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	return prop
}

// HTTPServerBefore returns an HTTP server "before" hook (the shape of
// kit/transport/http's RequestFunc) that extracts the trace context from
// the request headers into the context, so the server span that Middleware
// starts is a child of the caller's span. A nil prop means W3C trace
// context plus baggage.
func HTTPServerBefore(prop propagation.TextMapPropagator) func(context.Context, *http.Request) context.Context {
	prop = orDefault(prop)
	return func(ctx context.Context, r *http.Request) context.Context {
		return prop.Extract(ctx, headerCarrier(r.Header))
	}
}

// HTTPClientBefore returns an HTTP client "before" hook that injects the
// trace context of ctx (the client span Middleware started) into the
// outgoing request headers. A nil prop means W3C trace context plus baggage.
func HTTPClientBefore(prop propagation.TextMapPropagator) func(context.Context, *http.Request) context.Context {
	prop = orDefault(prop)
	return func(ctx context.Context, r *http.Request) context.Context {
		if r.Header == nil {
			r.Header = make(http.Header)
		}
		prop.Inject(ctx, headerCarrier(r.Header))
		return ctx
	}
}

// GRPCServerBefore returns a gRPC server "before" hook (the shape of
// kit/transport/grpc's ServerRequestFunc) that extracts the trace context
// from the incoming metadata, read in place. A nil prop means W3C trace
// context plus baggage.
func GRPCServerBefore(prop propagation.TextMapPropagator) func(context.Context, metadata.MD) context.Context {
	prop = orDefault(prop)
	return func(ctx context.Context, md metadata.MD) context.Context {
		return prop.Extract(ctx, mdCarrier(md))
	}
}

// GRPCClientBefore returns a gRPC client "before" hook that injects the
// trace context of ctx into the outgoing metadata, allocating the map when
// *md is nil. A nil prop means W3C trace context plus baggage.
func GRPCClientBefore(prop propagation.TextMapPropagator) func(context.Context, *metadata.MD) context.Context {
	prop = orDefault(prop)
	return func(ctx context.Context, md *metadata.MD) context.Context {
		if md == nil {
			return ctx
		}
		if *md == nil {
			*md = make(metadata.MD, 2)
		}
		prop.Inject(ctx, mdCarrier(*md))
		return ctx
	}
}

// headerCarrier adapts HTTP headers to a TextMapCarrier, as
// propagation.HeaderCarrier does, but looks the W3C header names up by
// their canonical form directly: canonicalising "traceparent" allocates a
// new string on every lookup, and a server looks up three per request.
type headerCarrier http.Header

// canonicalKey returns the canonical form of a header name.
func canonicalKey(key string) string {
	switch key {
	case "traceparent":
		return "Traceparent"
	case "tracestate":
		return "Tracestate"
	case "baggage":
		return "Baggage"
	}
	return textproto.CanonicalMIMEHeaderKey(key)
}

func (c headerCarrier) Get(key string) string {
	if v := c[canonicalKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns every value of key, for propagators that read a header
// sent several times (baggage).
func (c headerCarrier) Values(key string) []string { return c[canonicalKey(key)] }

func (c headerCarrier) Set(key, value string) { c[canonicalKey(key)] = []string{value} }

func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// mdCarrier adapts gRPC metadata (lower-case keys) to a TextMapCarrier
// without copying it.
type mdCarrier metadata.MD

func (c mdCarrier) Get(key string) string {
	if v := c[strings.ToLower(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c mdCarrier) Set(key, value string) { c[strings.ToLower(key)] = []string{value} }

func (c mdCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
