package demo

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

func TestScheduleIsReproducibleAndCycles(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, b := NewSchedule(start, 42), NewSchedule(start, 42)
	if a != b {
		t.Fatalf("same seed, different schedules: %v / %v", a, b)
	}
	var cycle time.Duration
	for p, d := range a.Durations {
		if d <= 0 {
			t.Fatalf("phase %v has no length", Phase(p))
		}
		cycle += d
	}
	// Walk two cycles second by second: phases come in order and wrap.
	want := Healthy
	for s := time.Duration(0); s < 2*cycle; s += time.Second {
		got, end := a.At(start.Add(s))
		if got != want {
			if got != (want+1)%4 {
				t.Fatalf("at %v: phase %v after %v", s, got, want)
			}
			want = got
		}
		if !end.After(start.Add(s)) {
			t.Fatalf("at %v: phase ends at %v", s, end)
		}
	}
	failStart := a.Durations[Healthy] + a.Durations[Slow]
	if p, _ := a.At(start.Add(failStart)); p != Failing {
		t.Fatalf("at %v: %v, want failing", failStart, p)
	}
	if (Schedule{}).Durations != [4]time.Duration{} {
		t.Fatal("zero schedule has durations")
	}
	if p, _ := (Schedule{}).At(start); p != Healthy {
		t.Fatal("zero schedule is not healthy")
	}
}

func TestMisbehaveFollowsTheSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSchedule(time.Now(), 7)
		calls := 0
		next := func(context.Context, any) (any, error) { calls++; return "ok", nil }
		get := misbehave(s, time.Now)(bookstore.MethodGetBook, next)
		create := misbehave(s, time.Now)(bookstore.MethodCreateBook, next)
		ctx := context.Background()

		if _, err := get(ctx, nil); err != nil {
			t.Fatalf("healthy: %v", err)
		}
		time.Sleep(s.Durations[Healthy]) // now slow
		before := time.Now()
		if _, err := get(ctx, nil); err != nil || time.Since(before) != SlowDelay {
			t.Fatalf("slow: %v after %v", err, time.Since(before))
		}
		time.Sleep(s.Durations[Slow]) // now failing
		if _, err := get(ctx, nil); !errors.Is(err, errInjected) || transport.StatusOf(err) != 503 {
			t.Fatalf("failing: %v", err)
		}
		if _, err := create(ctx, nil); err != nil {
			t.Fatalf("writes are not scheduled: %v", err)
		}
		time.Sleep(s.Durations[Failing]) // recovering
		if _, err := get(ctx, nil); err != nil {
			t.Fatalf("recovering: %v", err)
		}
		var _ endpoint.Endpoint = get
	})
}

func TestSlowPhaseHonoursCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewSchedule(time.Now().Add(-12*time.Second), 1) // inside slow for every seed's healthy ≤ 14 s? pick the phase explicitly:
		s.Durations = [4]time.Duration{time.Second, time.Hour, time.Second, time.Second}
		s.Start = time.Now().Add(-2 * time.Second)
		get := misbehave(s, time.Now)(bookstore.MethodGetBook, func(context.Context, any) (any, error) { return nil, nil })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := get(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}
