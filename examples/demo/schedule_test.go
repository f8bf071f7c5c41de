package demo

import (
	"slices"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
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

// The slow phase delays the reads only; the failing phase fails every
// unary method of the Book service, so no success resets the gateway's
// run of failures; the other phases set nothing. Each fault is one the
// instance accepts.
func TestPhaseFaults(t *testing.T) {
	var methods []string
	bookstore.MakeEndpoints(bookstore.NewStore()).Wrap(func(m string, next endpoint.Endpoint) endpoint.Endpoint {
		methods = append(methods, m)
		return next
	})
	for _, p := range []Phase{Healthy, Slow, Failing, Recovering} {
		var got []string
		for _, ef := range phaseFaults(p) {
			if err := ef.fault.Validate(); err != nil {
				t.Fatalf("%v: %s: %v", p, ef.endpoint, err)
			}
			switch f := ef.fault; p {
			case Slow:
				if time.Duration(f.Latency) != SlowDelay || f.ErrorRate != 0 || f.AbortRate != 0 {
					t.Errorf("slow: %s gets %+v, want a delay of %v only", ef.endpoint, f, SlowDelay)
				}
			case Failing:
				if f.ErrorRate != 1 || f.Latency != 0 || (f.ErrorStatus != 0 && f.ErrorStatus < 500) {
					t.Errorf("failing: %s gets %+v, want every call to fail with a 5xx", ef.endpoint, f)
				}
			}
			got = append(got, ef.endpoint)
		}
		slices.Sort(got)
		want := map[Phase][]string{
			Slow:    {bookstore.MethodGetBook, bookstore.MethodListBooks},
			Failing: slices.Sorted(slices.Values(methods)),
		}[p]
		if !slices.Equal(got, want) {
			t.Errorf("%v: faults on %v, want on %v", p, got, want)
		}
	}
}
