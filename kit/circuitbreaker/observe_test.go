package circuitbreaker_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/goleak"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/introspect"
)

// TestObserversNeverBlockCalls drives 10 000 calls through a breaker that
// changes state on almost every call, watched by a subscriber that never
// reads, a registry subscriber that never reads, and a callback that reads
// the breaker. A blocked or deadlocked call would make synctest report a
// deadlock.
func TestObserversNeverBlockCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := introspect.NewRegistry(introspect.Info{Service: "svc"})
		_, stopReg := reg.Subscribe(1)
		defer stopReg()

		var mu sync.Mutex
		var seen []introspect.BreakerTransition
		var b *circuitbreaker.Breaker
		b = mustNew(t,
			circuitbreaker.ConsecutiveFailures(1),
			circuitbreaker.OpenTimeout(time.Millisecond),
			circuitbreaker.WithRegistry(reg),
			circuitbreaker.OnTransition(func(tr introspect.BreakerTransition) {
				info := b.BreakerInfo() // reading the breaker from its own callback
				_ = reg.Breakers()
				mu.Lock()
				seen = append(seen, tr)
				mu.Unlock()
				_ = info
			}))
		_, stopSub := b.Subscribe(1) // never read
		defer stopSub()

		var s stub
		s.fail(errBoom)
		e := b.Middleware(s.endpoint)
		for i := range 10_000 {
			e(context.Background(), nil)
			if i%3 == 2 {
				time.Sleep(time.Millisecond) // let the breaker go half-open
			}
		}
		synctest.Wait() // the observer goroutine has drained and exited

		last := b.BreakerInfo()
		mu.Lock()
		defer mu.Unlock()
		if len(seen) < 64 {
			t.Fatalf("callback saw %d transitions, want many", len(seen))
		}
		final := seen[len(seen)-1]
		if final.To != last.State || !final.Time.Equal(last.LastTransition) {
			t.Fatalf("last observed transition %s→%s at %v, breaker is %s since %v",
				final.From, final.To, final.Time, last.State, last.LastTransition)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i].Time.Before(seen[i-1].Time) {
				t.Fatalf("transitions observed out of order at %d", i)
			}
		}
	})
}

func TestTransitionEventsAndInfo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := introspect.NewRegistry(introspect.Info{Service: "svc"})
		events, stop := reg.Subscribe(16)
		defer stop()
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(3), circuitbreaker.OpenTimeout(30*time.Second),
			circuitbreaker.HalfOpenCalls(2), circuitbreaker.WithRegistry(reg))
		sub, unsub := b.Subscribe(8)
		defer unsub()
		start := time.Now()

		traceID := trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
		ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled,
		}))
		var s stub
		e := b.Middleware(s.endpoint)
		s.succeed()
		e(ctx, nil)
		s.fail(errBoom)
		for range 3 {
			time.Sleep(time.Second)
			e(ctx, nil)
		}

		ev := <-events
		if ev.Type != introspect.EventBreaker || ev.Breaker == nil {
			t.Fatalf("event = %+v, want a breaker transition", ev)
		}
		tr := *ev.Breaker
		if tr.Name != "test" || tr.From != "closed" || tr.To != "open" || !tr.Time.Equal(start.Add(3*time.Second)) {
			t.Fatalf("transition = %+v", tr)
		}
		wantCounts := introspect.BreakerCounts{Requests: 4, Successes: 1, Failures: 3, ConsecutiveFailures: 3}
		if tr.Counts != wantCounts {
			t.Fatalf("counts at trip = %+v, want %+v", tr.Counts, wantCounts)
		}
		if len(tr.Failures) != 3 {
			t.Fatalf("failures = %+v, want the 3 that tripped it", tr.Failures)
		}
		for i, f := range tr.Failures {
			if f.Error != "500 Internal Server Error" || f.TraceID != traceID.String() || !f.Time.Equal(start.Add(time.Duration(i+1)*time.Second)) {
				t.Fatalf("failure %d = %+v", i, f)
			}
		}
		if got := <-sub; got.To != "open" || got.Counts != wantCounts {
			t.Fatalf("subscriber got %+v", got)
		}

		e(ctx, nil) // rejected
		infos := reg.Breakers()
		if len(infos) != 1 {
			t.Fatalf("registry lists %d breakers", len(infos))
		}
		info := infos[0]
		wantCounts.Rejected = 1
		if info.State != "open" || info.Counts != wantCounts || info.ErrorRatio != 0.75 ||
			!info.LastTransition.Equal(tr.Time) {
			t.Fatalf("info = %+v", info)
		}
		wantSettings := introspect.BreakerSettings{Policy: "consecutive", ConsecutiveFailures: 3,
			OpenTimeoutNS: int64(30 * time.Second), HalfOpenMaxCalls: 2}
		if info.Settings != wantSettings {
			t.Fatalf("settings = %+v", info.Settings)
		}

		time.Sleep(30 * time.Second)
		if got := b.BreakerInfo().State; got != "half-open" {
			t.Fatalf("state after the timeout = %s, want half-open", got)
		}
		if ev := <-events; ev.Breaker.From != "open" || ev.Breaker.To != "half-open" || len(ev.Breaker.Failures) != 0 {
			t.Fatalf("second event = %+v", ev.Breaker)
		}
		s.succeed()
		e(ctx, nil)
		e(ctx, nil)
		ev = <-events
		if ev.Breaker.From != "half-open" || ev.Breaker.To != "closed" || ev.Breaker.Counts.Successes != 2 {
			t.Fatalf("third event = %+v", ev.Breaker)
		}
		unsub()
		if _, ok := <-sub; !ok {
			t.Fatal("subscription closed before its buffered transitions were read")
		}
	})
}

func TestSpanEvents(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(context.Background())
	b := mustNew(t, circuitbreaker.ConsecutiveFailures(1))
	e := b.Middleware(func(context.Context, any) (any, error) { return nil, errBoom })

	for range 2 {
		ctx, span := tp.Tracer("test").Start(context.Background(), "call")
		e(ctx, nil)
		span.End()
	}
	// A span that is not recording costs nothing and records nothing.
	ctx, span := noop.NewTracerProvider().Tracer("x").Start(context.Background(), "noop")
	if _, err := e(ctx, nil); !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Fatal(err)
	}
	span.End()

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	want := []map[attribute.Key]attribute.Value{
		{"circuitbreaker.name": attribute.StringValue("test"), "circuitbreaker.state": attribute.StringValue("closed")},
		{"circuitbreaker.name": attribute.StringValue("test"), "circuitbreaker.state": attribute.StringValue("open"),
			"circuitbreaker.rejected": attribute.BoolValue(true)},
	}
	for i, s := range spans {
		evs := s.Events()
		if len(evs) != 1 || evs[0].Name != "circuitbreaker" {
			t.Fatalf("span %d events = %+v", i, evs)
		}
		got := map[attribute.Key]attribute.Value{}
		for _, kv := range evs[0].Attributes {
			got[kv.Key] = kv.Value
		}
		if len(got) != len(want[i]) {
			t.Fatalf("span %d attributes = %v, want %v", i, got, want[i])
		}
		for k, v := range want[i] {
			if got[k] != v {
				t.Fatalf("span %d attribute %s = %v, want %v", i, k, got[k].String(), v.String())
			}
		}
	}
}

// TestObserverGoroutineExits checks, on the real clock, that the goroutine
// delivering OnTransition callbacks does not outlive the deliveries.
func TestObserverGoroutineExits(t *testing.T) {
	base := goleak.IgnoreCurrent()
	delivered := make(chan struct{}, 16)
	b := mustNew(t, circuitbreaker.ConsecutiveFailures(1),
		circuitbreaker.OnTransition(func(introspect.BreakerTransition) { delivered <- struct{}{} }))
	b.Middleware(func(context.Context, any) (any, error) { return nil, errBoom })(context.Background(), nil)
	<-delivered
	testutil.VerifyNone(t, base)
}
