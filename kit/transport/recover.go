package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ErrPanic is wrapped by the error a kit server answers a recovered panic
// with. That error is a server error (status 500, gRPC Internal, Thrift
// INTERNAL_ERROR) and its text never includes the panic value.
var ErrPanic = errors.New("kit: handler panicked")

// PanicsTotal is the name of the counter of recovered panics, labelled by
// endpoint and transport.
const PanicsTotal = "kit_panics_total"

// SpanEventPanic is the name of the span event that records a recovered
// panic. It carries no attribute taken from the panic value.
const SpanEventPanic = "panic"

// PanicPolicy is what a kit server does with a panic it recovered from a
// handler, on every transport: the caller gets a generic internal error,
// the process goes on, and the panic is logged, counted and recorded on
// the call's span.
//
// A nil *PanicPolicy, like the zero value, is the default: log to
// slog.Default() without the panic value, count nothing.
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
	// Counter counts panics. Nil counts nothing.
	Counter *PanicCounter
}

// PanicCounter is the Prometheus counter kit_panics_total{endpoint,transport}.
type PanicCounter struct{ vec *prometheus.CounterVec }

// NewPanicCounter registers kit_panics_total with reg, the service's own
// registry, or returns the counter reg already holds under that name. A
// nil reg is an error: kit never falls back to the process-global
// registry.
func NewPanicCounter(reg prometheus.Registerer) (*PanicCounter, error) {
	if reg == nil {
		return nil, errors.New("transport: NewPanicCounter needs the service's prometheus.Registerer, got nil")
	}
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: PanicsTotal,
		Help: "Panics recovered in handlers, by endpoint and transport.",
	}, []string{"endpoint", "transport"})
	if err := reg.Register(vec); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return &PanicCounter{vec: existing}, nil
			}
		}
		return nil, fmt.Errorf("transport: registering %s: %w", PanicsTotal, err)
	}
	return &PanicCounter{vec: vec}, nil
}

// Recovered handles the value v that recover returned in a handler of
// endpoint served over transportName ("http", "grpc", "thrift"): it
// marks the span in ctx (MarkSpanPanicked), counts the panic, and logs it
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
	MarkSpanPanicked(trace.SpanFromContext(ctx))
	var log *slog.Logger
	var values bool
	if p != nil {
		log, values = p.Logger, p.LogValues
		if p.Counter != nil {
			p.Counter.vec.WithLabelValues(strings.ToValidUTF8(endpoint, "\uFFFD"), transportName).Inc()
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

// MarkSpanPanicked records a recovered panic on span, if it is recording:
// an event named SpanEventPanic and the error status with the generic
// description "panic". Nothing of the panic value goes on the span, which
// kit serves on the introspection API and exporters send elsewhere.
func MarkSpanPanicked(span trace.Span) {
	if !span.IsRecording() {
		return
	}
	span.AddEvent(SpanEventPanic)
	span.SetStatus(otelcodes.Error, "panic")
}
