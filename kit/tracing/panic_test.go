package tracing

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
)

// TestMiddlewarePanic: a panicking endpoint's span ends with a "panic"
// event and status and nothing of the panic value (which the ring serves
// on the introspection API), and the panic goes on unchanged.
func TestMiddlewarePanic(t *testing.T) {
	tp, ring := newProvider(t, WithSampleRatio(1))
	const secret = "password=hunter2"
	ep := Middleware(tp, "Boom")(func(context.Context, any) (any, error) { panic(secret) })
	var got any
	func() {
		defer func() { got = recover() }()
		_, _ = ep(context.Background(), nil)
	}()
	if got != secret {
		t.Fatalf("the panic reached the caller as %v, want the original value", got)
	}
	spans := allSpans(ring)
	if len(spans) != 1 {
		t.Fatalf("ring holds %d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Status != "error" || s.StatusMsg != "panic" {
		t.Errorf("status = %q %q, want error \"panic\"", s.Status, s.StatusMsg)
	}
	if len(s.Events) != 1 || s.Events[0].Name != transport.SpanEventPanic {
		t.Errorf("events = %+v, want one %q", s.Events, transport.SpanEventPanic)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) {
		t.Errorf("the span carries the panic value: %s", b)
	}
}
