package tracing

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/kitbench/kitbench/kit/introspect"
)

// newProvider returns a provider feeding a fresh ring, shut down with t.
func newProvider(t testing.TB, opts ...ProviderOption) (*Provider, *Ring) {
	t.Helper()
	ring := NewRing(64, nil)
	tp, err := NewProvider("svc", ring, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, ring
}

func allSpans(r *Ring) []introspect.Span {
	spans, _, _ := r.Spans(0, 0)
	return spans
}

type failed struct{ err error }

func (f failed) Failed() error { return f.err }

func TestMiddlewareSpan(t *testing.T) {
	tp, ring := newProvider(t)
	boom := errors.New("boom")
	cases := []struct {
		name       string
		ep         func(context.Context, any) (any, error)
		kind       trace.SpanKind
		wantStatus string
		wantMsg    string
	}{
		{"ok", func(context.Context, any) (any, error) { return "fine", nil }, trace.SpanKindServer, "unset", ""},
		{"err", func(context.Context, any) (any, error) { return nil, boom }, trace.SpanKindClient, "error", "500 Internal Server Error"},
		{"failer", func(context.Context, any) (any, error) { return failed{boom}, nil }, trace.SpanKindServer, "error", "500 Internal Server Error"},
		{"failer-ok", func(context.Context, any) (any, error) { return failed{}, nil }, trace.SpanKindServer, "unset", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mw := Middleware(tp, tc.name, WithSpanKind(tc.kind), WithAttributes(attribute.String("transport", "http")))
			resp, err := mw(tc.ep)(context.Background(), nil)
			wantResp, wantErr := tc.ep(context.Background(), nil)
			if resp != wantResp || !errors.Is(err, wantErr) && err != wantErr {
				t.Fatalf("got (%v, %v), want (%v, %v)", resp, err, wantResp, wantErr)
			}
			spans := allSpans(ring)
			if len(spans) != i+1 {
				t.Fatalf("ring holds %d spans, want %d", len(spans), i+1)
			}
			s := spans[i]
			if s.Name != tc.name || s.Kind != tc.kind.String() || s.Service != "svc" {
				t.Errorf("span name/kind/service = %q/%q/%q", s.Name, s.Kind, s.Service)
			}
			if s.Status != tc.wantStatus || s.StatusMsg != tc.wantMsg {
				t.Errorf("status = %q %q, want %q %q", s.Status, s.StatusMsg, tc.wantStatus, tc.wantMsg)
			}
			if s.Attributes["transport"] != "http" {
				t.Errorf("attributes = %v", s.Attributes)
			}
		})
	}
}

func TestMiddlewareChildOfContextSpan(t *testing.T) {
	tp, ring := newProvider(t)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")
	var inner trace.SpanContext
	ep := Middleware(tp, "child")(func(ctx context.Context, _ any) (any, error) {
		inner = trace.SpanContextFromContext(ctx)
		return nil, nil
	})
	if _, err := ep(ctx, nil); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := allSpans(ring)
	if len(spans) != 2 {
		t.Fatalf("got %d spans", len(spans))
	}
	child := spans[0]
	if child.ParentSpanID != parent.SpanContext().SpanID().String() ||
		child.TraceID != parent.SpanContext().TraceID().String() {
		t.Errorf("child %+v is not a child of %v", child, parent.SpanContext())
	}
	if inner.SpanID().String() != child.SpanID {
		t.Errorf("endpoint saw span %v, want the middleware's %s", inner.SpanID(), child.SpanID)
	}
}

func TestMiddlewareDisabled(t *testing.T) {
	for name, tp := range map[string]trace.TracerProvider{"nil": nil, "noop": noop.NewTracerProvider()} {
		t.Run(name, func(t *testing.T) {
			called := false
			ep := Middleware(tp, "x")(func(ctx context.Context, _ any) (any, error) {
				called = true
				return 1, nil
			})
			if got, err := ep(context.Background(), nil); !called || got != 1 || err != nil {
				t.Fatalf("got (%v, %v), called=%v", got, err, called)
			}
		})
	}
}

// TestSamplingOff checks that a Provider with sampling off costs no
// allocation, for root calls and for calls under an unsampled remote
// parent, while a sampled remote parent is still honoured.
func TestSamplingOff(t *testing.T) {
	tp, ring := newProvider(t, WithSampleRatio(0))
	ep := Middleware(tp, "off")(func(ctx context.Context, _ any) (any, error) {
		AddEvent(ctx, EventBreaker, attribute.String("state", "closed"))
		return nil, nil
	})
	unsampled := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, Remote: true,
	}))
	for name, ctx := range map[string]context.Context{"root": context.Background(), "unsampled-parent": unsampled} {
		allocs := testing.AllocsPerRun(1000, func() { _, _ = ep(ctx, nil) })
		if allocs != 0 {
			t.Errorf("%s: %v allocs per call, want 0", name, allocs)
		}
	}
	if n := len(allSpans(ring)); n != 0 {
		t.Fatalf("sampling off recorded %d spans", n)
	}
	sampled := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{2}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	if _, err := ep(sampled, nil); err != nil {
		t.Fatal(err)
	}
	spans := allSpans(ring)
	if len(spans) != 1 || spans[0].TraceID != (trace.TraceID{2}).String() || len(spans[0].Events) != 1 {
		t.Fatalf("sampled parent: spans = %+v", spans)
	}
}

// TestForeignSDKProvider checks that a plain SDK provider works too, taking
// the SDK's own path (no fast skip).
func TestForeignSDKProvider(t *testing.T) {
	ring := NewRing(4, nil)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(ring))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	if _, err := Middleware(tp, "plain")(func(context.Context, any) (any, error) { return nil, nil })(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if spans := allSpans(ring); len(spans) != 1 || spans[0].Name != "plain" {
		t.Fatalf("spans = %+v", spans)
	}
}

func TestAddEvent(t *testing.T) {
	tp, ring := newProvider(t)
	ctx, span := tp.Tracer("test").Start(context.Background(), "s")
	attrs := []attribute.KeyValue{attribute.String("state", "open")}
	AddEvent(ctx, EventBreaker, attrs...)
	attrs[0] = attribute.String("state", "mutated") // the event kept its own copy
	AddEvent(ctx, EventRetry, attribute.Int("attempt", 2))
	span.End()
	ev := allSpans(ring)[0].Events
	if len(ev) != 2 || ev[0].Name != EventBreaker || ev[0].Attributes["state"] != "open" ||
		ev[1].Name != EventRetry || ev[1].Attributes["attempt"] != "2" {
		t.Fatalf("events = %+v", ev)
	}
	// Not recording: nothing happens, nothing is allocated.
	allocs := testing.AllocsPerRun(1000, func() {
		AddEvent(context.Background(), EventLimiter, attribute.String("decision", "deny"), attribute.Int64("wait_ns", 5))
	})
	if allocs != 0 {
		t.Errorf("AddEvent without a recording span: %v allocs, want 0", allocs)
	}
}
