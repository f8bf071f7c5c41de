package tracing_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	"github.com/kitbench/kitbench/kit/tracing"
)

func TestStreamSpanPerStream(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	inner := make(chan trace.SpanContext, 3)
	mw := endpoint.ChainStream(tracing.StreamMiddleware(tp, "stream"), func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return func(ctx context.Context, s endpoint.Stream) error {
			inner <- trace.SpanContextFromContext(ctx)
			return next(ctx, s)
		}
	})
	in, err := streamtest.Start(streamtest.NewServers(mw))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if err := streamtest.Exercise(context.Background(), in.Conn); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want one per stream (3)", len(spans))
	}
	want := [][2]int{{1, 3}, {2, 1}, {2, 2}} // Count, Sum, Echo: received, sent
	for i, sp := range spans {
		if got := <-inner; got.SpanID() != sp.SpanContext().SpanID() {
			t.Errorf("stream %d: the endpoint's context carries span %v, not the stream's %v", i, got.SpanID(), sp.SpanContext().SpanID())
		}
		var recv, sent int
		for _, ev := range sp.Events() {
			if ev.Name != tracing.EventMessage {
				continue
			}
			for _, a := range ev.Attributes {
				if string(a.Key) == tracing.AttrMessageType {
					switch a.Value.AsString() {
					case tracing.MessageReceived:
						recv++
					case tracing.MessageSent:
						sent++
					}
				}
			}
		}
		if recv != want[i][0] || sent != want[i][1] {
			t.Errorf("stream %d: %d received and %d sent events, want %v", i, recv, sent, want[i])
		}
	}
}
