package tracing

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/transport"
)

// MarkPanicked records a recovered panic on the span in ctx
// (MarkSpanPanicked). It is the hook transport.PanicPolicy.MarkSpan takes:
//
//	policy := &transport.PanicPolicy{Logger: log, Counter: counter, MarkSpan: tracing.MarkPanicked}
func MarkPanicked(ctx context.Context) { MarkSpanPanicked(trace.SpanFromContext(ctx)) }

// MarkSpanPanicked records a recovered panic on span, if it is recording:
// an event named transport.SpanEventPanic and the error status with the
// generic description "panic". Nothing of the panic value goes on the
// span, which kit serves on the introspection API and exporters send
// elsewhere.
func MarkSpanPanicked(span trace.Span) {
	if !span.IsRecording() {
		return
	}
	span.AddEvent(transport.SpanEventPanic)
	span.SetStatus(codes.Error, "panic")
}
