package demo

import (
	"context"
	"errors"
	"math/rand/v2"
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
		if _, err := create(ctx, nil); !errors.Is(err, errInjected) {
			t.Fatalf("failing: a write answered %v; a write's success would reset the gateway's run", err)
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

// In EjectAfter calls of the traffic's mix, each read method is called at
// least 5 times (its breaker's threshold) in more than 95 % of runs, so
// bookstore-3's own breakers open before the gateway ejects it.
func TestBreakersOpenBeforeTheEjection(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const runs = 2000
	both := 0
	for range runs {
		var n [4]int
		for range EjectAfter {
			n[kindOf(r.IntN(100))]++
		}
		if n[reqList] >= 5 && n[reqGet]+n[reqMiss] >= 5 {
			both++
		}
	}
	if share := float64(both) / runs; share < 0.95 {
		t.Fatalf("both read breakers open before the ejection in %.1f%% of runs, want > 95%%", 100*share)
	}
	if c := outlierConfig(); c.ResetAfter >= c.BaseEjection || c.MaxEjection < c.BaseEjection {
		t.Fatalf("outlier config %+v: the back-off must reset within a cycle and be capped", c)
	}
}
