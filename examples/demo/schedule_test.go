package demo

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
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

// TestBreakersOpenBeforeTheEjection simulates failing phases on the chain
// the misbehaving instance runs: kit/fault's injector with the script's
// failing faults, inside one breaker per method as bookstore builds them
// (5 server errors in a row). The calls that reach the instance come in
// the traffic's mix; the gateway ejects it after EjectAfter failures in a
// row (the outlier's Stats count every failed attempt, the breakers'
// refusals included). In more than 95 % of the runs both read breakers,
// GetBook and ListBooks, have opened by then.
func TestBreakersOpenBeforeTheEjection(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const runs = 2000
	both := 0
	for run := range runs {
		if simulateFailingPhase(t, r, uint64(run)) {
			both++
		}
	}
	share := float64(both) / runs
	t.Logf("both read breakers open before the ejection in %.1f%% of %d simulated failing phases", 100*share, runs)
	if share <= 0.95 {
		t.Fatalf("both read breakers open before the ejection in %.1f%% of runs, want > 95%%", 100*share)
	}
	if c := outlierConfig(); c.ResetAfter >= c.BaseEjection || c.MaxEjection < c.BaseEjection {
		t.Fatalf("outlier config %+v: the back-off must reset within a cycle and be capped", c)
	}
}

// simulateFailingPhase sends the traffic's mix to a fresh chain with the
// failing phase's faults until the gateway would eject the instance (at
// most 1000 calls), and reports whether GetBook's and ListBooks' breakers
// were open by then.
func simulateFailingPhase(t *testing.T, r *rand.Rand, seed uint64) bool {
	t.Helper()
	inj := fault.New(fault.WithSeed(seed))
	notFound := transport.NewError(404, "no such book")
	service := func(_ context.Context, req any) (any, error) {
		if req == reqMiss {
			return nil, notFound
		}
		return "ok", nil
	}
	calls := map[string]endpoint.Endpoint{}
	breakers := map[string]*circuitbreaker.Breaker{}
	for _, m := range []string{bookstore.MethodCreateBook, bookstore.MethodGetBook, bookstore.MethodListBooks, bookstore.MethodDeleteBook} {
		br, err := circuitbreaker.New(m, circuitbreaker.ConsecutiveFailures(5),
			circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }))
		if err != nil {
			t.Fatal(err)
		}
		breakers[m], calls[m] = br, br.Middleware(inj.Middleware(m)(service))
	}
	for _, ef := range phaseFaults(Failing) {
		if err := inj.SetFault(ef.endpoint, ef.fault); err != nil {
			t.Fatal(err)
		}
	}
	method := map[int]string{reqList: bookstore.MethodListBooks, reqGet: bookstore.MethodGetBook,
		reqCreate: bookstore.MethodCreateBook, reqMiss: bookstore.MethodGetBook}
	failures := 0
	for n := 0; failures < EjectAfter && n < 1000; n++ {
		kind := kindOf(r.IntN(100))
		if _, err := calls[method[kind]](context.Background(), kind); transport.StatusOf(err) >= 500 {
			failures++
		} else {
			failures = 0
		}
	}
	open := func(m string) bool { return breakers[m].BreakerInfo().State == introspect.StateOpen }
	return failures >= EjectAfter && open(bookstore.MethodGetBook) && open(bookstore.MethodListBooks)
}
