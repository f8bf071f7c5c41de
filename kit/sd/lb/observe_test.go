package lb_test

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/sd/lb"
)

// An ejection decided inside Retry reaches OnEject with the call's context
// and is recorded on the call's span; a plain Pick reports it too.
func TestOutlierReportsEjections(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	bk := newBackends()
	a := addrs(3)
	bk.set(a[0], fail(503))
	e := fleet(t, 3, bk.factory)

	type report struct {
		ej   lb.Ejection
		span trace.SpanContext
	}
	var reports []report
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	o := lb.NewOutlier(e, lb.NewRoundRobin(e), lb.OutlierConfig{
		Consecutive: 2,
		Now:         func() time.Time { return now },
		OnEject: func(ctx context.Context, ej lb.Ejection) {
			reports = append(reports, report{ej, trace.SpanContextFromContext(ctx)})
		},
	})
	call := lb.Retry(3, time.Second, o, lb.WithBudget(lb.NewBudget(100, 100)))

	// Round robin over a[0..2]: a[0] fails on calls 1 and 3 (each retried
	// on a[1]); call 5's first pick lands on a[0] again and ejects it.
	var last trace.Span
	for i := 1; i <= 5; i++ {
		ctx, span := tp.Tracer("test").Start(context.Background(), "call")
		if _, err := call(ctx, nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		span.End()
		last = span
		if i < 5 && len(reports) > 0 {
			t.Fatalf("ejected at call %d, want 5", i)
		}
	}
	if len(reports) != 1 {
		t.Fatalf("OnEject called %d times, want 1: %+v", len(reports), reports)
	}
	want := lb.Ejection{ID: a[0], Address: a[0], Until: now.Add(30 * time.Second), Count: 1,
		Reason: lb.ReasonConsecutive, Failures: 2, Requests: 2}
	if reports[0].ej != want {
		t.Fatalf("OnEject got %+v, want %+v", reports[0].ej, want)
	}
	if !reports[0].span.Equal(last.SpanContext()) {
		t.Fatalf("OnEject context carries span %v, want the ejecting call's %v", reports[0].span, last.SpanContext())
	}
	var found bool
	for _, s := range rec.Ended() {
		for _, ev := range s.Events() {
			if ev.Name != lb.EventEject {
				continue
			}
			if !s.SpanContext().Equal(last.SpanContext()) {
				t.Fatalf("%s recorded on span %v, want %v", lb.EventEject, s.SpanContext(), last.SpanContext())
			}
			attrs := map[string]string{}
			for _, kv := range ev.Attributes {
				attrs[string(kv.Key)] = kv.Value.String()
			}
			if attrs["instance.id"] != a[0] || attrs["ejection.count"] != "1" || attrs["ejection.until"] != "2025-01-01T00:00:30Z" ||
				attrs["ejection.reason"] != lb.ReasonConsecutive || attrs["ejection.failures"] != "2" || attrs["ejection.requests"] != "2" {
				t.Fatalf("event attributes %v", attrs)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no %s span event", lb.EventEject)
	}

	// Back after 30 s; two more failures and the next pick (through Pick,
	// so with a background context) eject it again.
	now = now.Add(31 * time.Second)
	for range 12 {
		en, err := o.Pick()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = en.Endpoint(context.Background(), nil)
	}
	if len(reports) != 2 || reports[1].ej.Count != 2 || reports[1].span.IsValid() {
		t.Fatalf("after Pick: %+v", reports)
	}
}
