package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
)

// ErrPanic is wrapped by the error a kit server answers a recovered panic
// with. That error is a server error (status 500, gRPC Internal, Thrift
// INTERNAL_ERROR) and its text never includes the panic value.
var ErrPanic = errors.New("kit: handler panicked")

// SpanEventPanic is the name of the span event that records a recovered
// panic (see PanicPolicy.MarkSpan). It carries no attribute taken from the
// panic value.
const SpanEventPanic = "panic"

// PanicPolicy is what a kit server does with a panic it recovered from a
// handler, on every transport: the caller gets a generic internal error,
// the process goes on, and the panic is logged, counted and recorded on
// the call's span.
//
// A nil *PanicPolicy, like the zero value, is the default: log to
// slog.Default() without the panic value, count nothing, mark no span.
// Counting and marking are hooks, so that this package, which every kit
// transport imports, links neither Prometheus nor OpenTelemetry:
// kit/metrics' NewPanicCounter and kit/tracing's MarkPanicked provide
// them.
type PanicPolicy struct {
	// Logger receives one Error record per panic, with the transport, the
	// endpoint, the panic value's Go type and the stack. Nil means
	// slog.Default().
	Logger *slog.Logger
	// LogValues adds the panic value itself (formatted with %v) to the
	// record. False, the default, leaves it out, because a panic value
	// may hold anything the handler had in hand — a token, a query, a
	// customer record — and logs travel further than the process. The
	// message of a runtime error (nil dereference, index out of range) is
	// written by the Go runtime, holds no data of the handler's, and is
	// logged either way.
	LogValues bool
	// Counter counts panics, such as kit/metrics' kit_panics_total
	// {endpoint,transport} (metrics.NewPanicCounter). Nil counts nothing.
	Counter PanicCounter
	// MarkSpan records the panic on the trace span in the call's context,
	// with a SpanEventPanic event and an error status and nothing of the
	// panic value; tracing.MarkPanicked does it for OpenTelemetry spans.
	// It is for spans that a library around the transport started
	// (otelhttp, otelgrpc): kit/tracing's Middleware marks its own spans
	// whatever the policy. Nil marks no span.
	MarkSpan func(ctx context.Context)
}

// PanicCounter counts recovered panics by endpoint and transport name. It
// must be safe for concurrent use.
type PanicCounter interface {
	CountPanic(endpoint, transportName string)
}

// Recovered handles the value v that recover returned in a handler of
// endpoint served over transportName ("http", "grpc", "thrift"): it
// marks the span in ctx (MarkSpan), counts the panic, and logs it
// with the stack. Call it from the deferred function that recovered, so
// that the stack still shows where the panic happened.
//
// It returns the error to answer the call with, which wraps ErrPanic and
// names the endpoint but never v. The endpoint should come from a fixed
// set (a registered gRPC method, a route pattern), since it is a label;
// empty means "unknown".
func (p *PanicPolicy) Recovered(ctx context.Context, transportName, endpoint string, v any) error {
	if endpoint == "" {
		endpoint = "unknown"
	}
	var log *slog.Logger
	var values bool
	if p != nil {
		log, values = p.Logger, p.LogValues
		if p.MarkSpan != nil {
			p.MarkSpan(ctx)
		}
		if p.Counter != nil {
			p.Counter.CountPanic(strings.ToValidUTF8(endpoint, "\uFFFD"), transportName)
		}
	}
	if log == nil {
		log = slog.Default()
	}
	attrs := []slog.Attr{
		slog.String("transport", transportName),
		slog.String("endpoint", endpoint),
		slog.String("panic_type", fmt.Sprintf("%T", v)),
	}
	if re, ok := v.(runtime.Error); ok && !values {
		attrs = append(attrs, slog.String("panic", re.Error()))
	} else if values {
		attrs = append(attrs, slog.String("panic", fmt.Sprint(v)))
	}
	attrs = append(attrs, slog.String("stack", string(debug.Stack())))
	log.LogAttrs(ctx, slog.LevelError, "recovered a panic in a handler", attrs...)
	return fmt.Errorf("%w: %s %s", ErrPanic, transportName, endpoint)
}
