package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
)

type closeCount struct{ n int }

// b1Run and b1Ratio are ejections of instance b1 by each rule.
var (
	b1Run   = lb.Ejection{ID: "b1", Address: "127.0.0.1:1", Reason: lb.ReasonConsecutive}
	b1Ratio = lb.Ejection{ID: "b1", Address: "127.0.0.1:1", Reason: lb.ReasonFailureRatio}
)

func (c *closeCount) Close() error { c.n++; return nil }

func TestRecentFailuresKeepTheRunBeforeAnEjection(t *testing.T) {
	clock := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	r := newRecentFailures(3, func() time.Time { clock = clock.Add(time.Second); return clock })
	var answer error
	upstream := func(context.Context, any) (any, error) { return nil, answer }
	closer := &closeCount{}
	mw, c := r.track("b1", "127.0.0.1:1", closer)
	call := mw(upstream)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{0xab}, SpanID: trace.SpanID{1}})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)

	for i, err := range []error{
		transport.NewError(503, "first"),
		transport.NewError(404, "not found"), // the instance answered: a success
		transport.NewError(500, "second"),    // the run starts again here
		context.Canceled,                     // the caller's doing: neither
		errors.New("third"),                  // a plain error is a 500
		transport.NewError(504, "fourth"),
		transport.NewError(502, strings.Repeat("x", 1000)),
	} {
		answer = err
		if _, got := call(ctx, i); got != err {
			t.Fatalf("call %d returned %v, want the upstream's %v", i, got, err)
		}
	}
	got := r.of(b1Run, 0)
	if len(got) != 3 || got[0].Error != "third" || got[1].Error != "fourth" {
		t.Fatalf("failures %+v: want the last 3 of the run, oldest first", got)
	}
	if n := len(got[2].Error); n > maxFailureText+len("…") || !strings.HasSuffix(got[2].Error, "…") {
		t.Errorf("a long error is kept whole (%d bytes)", n)
	}
	if got[0].TraceID != sc.TraceID().String() || !got[0].Time.Before(got[1].Time) {
		t.Errorf("failure %+v: want the trace id and the clock's time", got[0])
	}

	answer = nil // a success ends the run
	_, _ = call(ctx, nil)
	if got := r.of(b1Run, 0); len(got) != 0 {
		t.Fatalf("failures after a success: %+v", got)
	}
	answer = errors.New("again")
	_, _ = call(ctx, nil)

	// A newer entry of the instance at the same address replaces the
	// record; closing the old entry does not forget the new one.
	_, c2 := r.track("b1", "127.0.0.1:1", nil)
	if err := c.Close(); err != nil || closer.n != 1 {
		t.Fatalf("close: %v, inner closed %d times", err, closer.n)
	}
	if _, ok := r.byID[instanceKey{"b1", "127.0.0.1:1"}]; !ok {
		t.Fatal("closing a replaced entry forgot its successor")
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	if len(r.byID) != 0 || r.of(b1Run, 0) != nil {
		t.Fatalf("closed instances still tracked: %v", r.byID)
	}
}

// A failure-ratio ejection is explained by the failures of its window,
// successes between them or not; older ones are left out.
func TestRecentFailuresKeepTheWindowOfARatioEjection(t *testing.T) {
	clock := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	r := newRecentFailures(5, func() time.Time { return clock })
	var answer error
	mw, _ := r.track("b1", "127.0.0.1:1", nil)
	call := mw(func(context.Context, any) (any, error) { return nil, answer })
	for _, step := range []struct {
		err   error
		after time.Duration
	}{
		{transport.NewError(503, "old"), 0}, {nil, 20 * time.Second},
		{transport.NewError(503, "a"), time.Second}, {nil, time.Second},
		{transport.NewError(500, "b"), time.Second}, {nil, time.Second},
	} {
		answer = step.err
		_, _ = call(context.Background(), nil)
		clock = clock.Add(step.after)
	}
	errs := func(fs []introspect.BreakerFailure) string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Error)
		}
		return strings.Join(out, ",")
	}
	if got := errs(r.of(b1Ratio, 10*time.Second)); got != "a,b" {
		t.Fatalf("a ratio ejection over 10 s shows %q, want the failures of its window, a,b", got)
	}
	if got := r.of(b1Run, 10*time.Second); len(got) != 0 {
		t.Fatalf("a consecutive ejection after a success shows %+v, want none", got)
	}
	answer = transport.NewError(503, "c")
	_, _ = call(context.Background(), nil)
	if got := errs(r.of(b1Run, 0)); got != "c" {
		t.Fatalf("a consecutive ejection shows %q, want the run since the last success, c", got)
	}
}
