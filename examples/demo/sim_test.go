package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
)

// simFleet is the demo's calling path in miniature, for a simulation
// under testing/synctest: the gateway's limiter (GatewayRate and
// GatewayBurst) and Retry (gateway.DefaultAttempts, a 20 % budget,
// gateway.DefaultAttemptTimeout) over the demo's outlierConfig, to three
// instances sharing one store. The misbehaving one (index bad) runs
// kit/fault's injector inside one breaker per method, as bookstore builds
// them (5 server errors in a row, open for bookstore.DefaultOpenTimeout).
// There are no sockets and no gateway breakers: a call that fails on
// every attempt is rare here and changes nothing the simulation measures.
// The balancer is P2C over a seeded source, so that a seed gives the same
// run every time.
type simFleet struct {
	endpoints *sd.Endpointer
	outlier   *lb.Outlier
	client    bookstore.Endpoints // what the traffic calls
	inj       *fault.Injector
	bad       string // the misbehaving instance's address
	breakers  map[string]*circuitbreaker.Breaker

	mu        sync.Mutex
	opened    map[string]bool // the bad instance's breakers that have opened
	ejections []simEjection
}

// simEjection is an ejection and the bad instance's breakers open by then.
type simEjection struct {
	lb.Ejection
	at     time.Time
	opened map[string]bool
}

var simAddrs = []string{"10.0.0.1:8001", "10.0.0.2:8002", "10.0.0.3:8003"}

// newSimFleet builds the fleet with the outlier configuration oc; the bad
// instance is simAddrs[1]. Call it inside a synctest bubble, and close it
// before the bubble ends.
func newSimFleet(t *testing.T, oc lb.OutlierConfig, seed uint64) *simFleet {
	t.Helper()
	store := bookstore.NewStore()
	seedBooks(context.Background(), store)
	f := &simFleet{inj: fault.New(fault.WithSeed(seed)), bad: simAddrs[1],
		breakers: map[string]*circuitbreaker.Breaker{}, opened: map[string]bool{}}
	healthy := bookstore.MakeEndpoints(store)
	bad := healthy.Wrap(func(m string, next endpoint.Endpoint) endpoint.Endpoint {
		br, err := circuitbreaker.New(m, circuitbreaker.ConsecutiveFailures(5),
			circuitbreaker.OpenTimeout(bookstore.DefaultOpenTimeout),
			circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }))
		if err != nil {
			t.Fatal(err)
		}
		f.breakers[m] = br
		call := br.Middleware(f.inj.Middleware(m)(next))
		return func(ctx context.Context, req any) (any, error) {
			resp, err := call(ctx, req)
			if br.BreakerInfo().State == introspect.StateOpen {
				f.mu.Lock()
				f.opened[m] = true
				f.mu.Unlock()
			}
			return resp, err
		}
	})
	insts, err := sd.StaticInstances(bookstore.ServiceName, simAddrs...)
	if err != nil {
		t.Fatal(err)
	}
	f.endpoints = sd.NewEndpointer(sd.FixedInstancer(insts), func(in sd.Instance) (endpoint.Endpoint, io.Closer, error) {
		if in.Address == f.bad {
			return dispatch(bad), nil, nil
		}
		return dispatch(healthy), nil, nil
	})
	if err := f.endpoints.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	oc.OnEject = func(_ context.Context, e lb.Ejection) {
		f.mu.Lock()
		defer f.mu.Unlock()
		opened := map[string]bool{}
		for m, o := range f.opened {
			opened[m] = o
		}
		f.ejections = append(f.ejections, simEjection{Ejection: e, at: time.Now(), opened: opened})
	}
	f.outlier = lb.NewOutlier(f.endpoints, &seededP2C{src: f.endpoints, r: rand.New(rand.NewPCG(seed, 0x703263))}, oc)
	budget := lb.NewBudget(0, 0)
	each := lb.AttemptTimeout(gateway.DefaultAttemptTimeout)
	retried := lb.Retry(gateway.DefaultAttempts, 0, f.outlier, lb.WithBudget(budget), each)
	lim, err := ratelimit.NewErroring(gateway.ServiceName, GatewayRate, GatewayBurst)
	if err != nil {
		t.Fatal(err)
	}
	f.client = bookstore.Endpoints{
		CreateBook: lim.Middleware(lb.Retry(1, 0, f.outlier, lb.WithBudget(budget), each)),
		GetBook:    lim.Middleware(retried),
		ListBooks:  lim.Middleware(retried),
		DeleteBook: lim.Middleware(retried),
	}
	return f
}

func (f *simFleet) close() { _ = f.endpoints.Close() }

// dispatch is one instance's endpoint: it calls the method its request is for.
func dispatch(eps bookstore.Endpoints) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		switch req.(type) {
		case bookstore.CreateBookRequest:
			return eps.CreateBook(ctx, req)
		case bookstore.GetBookRequest:
			return eps.GetBook(ctx, req)
		case bookstore.ListBooksRequest:
			return eps.ListBooks(ctx, req)
		case bookstore.DeleteBookRequest:
			return eps.DeleteBook(ctx, req)
		}
		return nil, fmt.Errorf("sim: no method for %T", req)
	}
}

// seededP2C is lb.NewP2C's choice — two distinct entries drawn at random,
// the one with fewer calls in flight — drawn from a seeded source.
type seededP2C struct {
	src lb.Source
	mu  sync.Mutex
	r   *rand.Rand
}

func (p *seededP2C) Pick() (*sd.Entry, error) {
	es, err := p.src.Entries()
	if err != nil {
		return nil, err
	}
	if len(es) == 1 {
		return es[0], nil
	}
	p.mu.Lock()
	i, j := p.r.IntN(len(es)), p.r.IntN(len(es)-1)
	p.mu.Unlock()
	if j >= i {
		j++
	}
	if es[j].Stats().InFlight < es[i].Stats().InFlight {
		return es[j], nil
	}
	return es[i], nil
}

// traffic sends the demo's traffic — requests at DefaultRate in the mix
// of kindOf, and a burst of burstSize reads now and then — from start
// until stop says so (it is asked before each request). The demo's
// bursts come from 8 goroutines; here they are sent one after another,
// through the same limiter, so that the run is the same for a seed.
func (f *simFleet) traffic(seed uint64, stop func() bool) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 0x74726166))
	lim := rate.NewLimiter(DefaultRate, 1)
	nextBurst := time.Now().Add(time.Duration(15+r.IntN(10)) * time.Second)
	for n := 0; !stop(); n++ {
		if err := lim.Wait(ctx); err != nil {
			return
		}
		if time.Now().After(nextBurst) {
			bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			for i := 0; i < burstSize && bctx.Err() == nil; i++ {
				one(bctx, f.client, n+i, 0)
			}
			cancel()
			nextBurst = time.Now().Add(time.Duration(20+r.IntN(15)) * time.Second)
		}
		one(ctx, f.client, n, r.IntN(100))
	}
}

// setPhase sets phase's faults on the bad instance and clears the rest, as
// the fault script's controls do when a phase starts.
func (f *simFleet) setPhase(t *testing.T, phase Phase) {
	t.Helper()
	for _, m := range f.inj.FaultEndpoints() {
		f.inj.ClearFault(m)
	}
	for _, ef := range phaseFaults(phase) {
		if err := f.inj.SetFault(ef.endpoint, ef.fault); err != nil {
			t.Fatal(err)
		}
	}
}

// firstEjection returns the first ejection, if any.
func (f *simFleet) firstEjection() (simEjection, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ejections) == 0 {
		return simEjection{}, false
	}
	return f.ejections[0], true
}

// simPrelude is the healthy traffic a simulation starts with, so that the
// outlier's window is full when the first fault comes (the demo's cycle
// before a healthy phase is a recovery of 15 s or more), plus up to a
// minute more, drawn from seed, so that the fault comes at any point of
// the outlier's snapshot steps, as it does in the demo.
func simPrelude(seed uint64) time.Duration {
	r := rand.New(rand.NewPCG(seed, 0x7072656c))
	return 20*time.Second + time.Duration(r.IntN(60000))*time.Millisecond
}

// simCycle runs the fault script's schedule for seed on a simFleet with
// oc, from a healthy prelude through the schedule's healthy, slow and
// failing phases, until the first ejection or the failing phase's end. It
// returns the first ejection, if there was one, and whether it came in
// the failing phase.
func simCycle(t *testing.T, oc lb.OutlierConfig, seed uint64) (ej simEjection, inFailing bool) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		f := newSimFleet(t, oc, seed)
		defer f.close()
		sched := NewSchedule(time.Now().Add(simPrelude(seed)), int64(seed))
		failEnd := sched.Start
		for _, p := range []Phase{Healthy, Slow, Failing} {
			failEnd = failEnd.Add(sched.Durations[p])
		}
		phase := Healthy
		f.traffic(seed, func() bool {
			if p, _ := sched.At(time.Now()); p != phase {
				phase = p
				f.setPhase(t, p)
			}
			_, ejected := f.firstEjection()
			return ejected || !time.Now().Before(failEnd)
		})
		var ok bool
		if ej, ok = f.firstEjection(); ok {
			p, _ := sched.At(ej.at)
			inFailing = p == Failing && !ej.at.Before(sched.Start)
		}
	})
	return ej, inFailing
}

// simOneMethod runs the demo's traffic on a simFleet with oc, with no
// script: after the prelude it sets fault on the bad instance's endpoint
// method (unless method is ""), as `kitbench fault set` would, and runs until the first
// ejection or for within. It returns the first ejection, if there was one,
// and how long after the fault it came.
func simOneMethod(t *testing.T, oc lb.OutlierConfig, seed uint64, method string, fault introspect.Fault, within time.Duration) (ej simEjection, after time.Duration, ok bool) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		f := newSimFleet(t, oc, seed)
		defer f.close()
		set := time.Now().Add(simPrelude(seed))
		faulted := false
		f.traffic(seed, func() bool {
			if !faulted && !time.Now().Before(set) {
				faulted = true
				if method == "" {
					return false // no fault: traffic only
				}
				if err := f.inj.SetFault(method, fault); err != nil {
					t.Fatal(err)
				}
			}
			_, ejected := f.firstEjection()
			return ejected || time.Now().After(set.Add(within))
		})
		if ej, ok = f.firstEjection(); ok {
			after = ej.at.Sub(set)
		}
	})
	return ej, after, ok
}

// TestBreakersOpenBeforeTheEjection simulates 2000 cycles of the fault
// script (400 under the race detector) on the demo's calling path
// (simFleet, each cycle from its own seed): in more than 95 % of them the misbehaving instance's GetBook and
// ListBooks breakers have both opened before the gateway ejects it, and
// the ejection comes in the failing phase, by either rule. No healthy
// instance is ever ejected.
func TestBreakersOpenBeforeTheEjection(t *testing.T) {
	if c := outlierConfig(); c.ResetAfter >= c.BaseEjection || c.MaxEjection < c.BaseEjection {
		t.Fatalf("outlier config %+v: the back-off must reset within a cycle and be capped", c)
	}
	runs := 2000
	if raceEnabled {
		runs = 400
	}
	both, byRatio := 0, 0
	for seed := range uint64(runs) {
		ej, inFailing := simCycle(t, outlierConfig(), seed)
		if ej.Address != "" && ej.Address != simAddrs[1] {
			t.Fatalf("seed %d: a healthy instance was ejected: %+v", seed, ej.Ejection)
		}
		if inFailing && ej.opened[bookstore.MethodGetBook] && ej.opened[bookstore.MethodListBooks] {
			both++
		}
		if ej.Reason == lb.ReasonFailureRatio {
			byRatio++
		}
	}
	share := float64(both) / float64(runs)
	t.Logf("both read breakers open before the ejection in %.1f%% of %d simulated cycles (%d ejections by the failure ratio)", 100*share, runs, byRatio)
	if share <= 0.95 {
		t.Fatalf("both read breakers open before the ejection in %.1f%% of cycles, want > 95%%", 100*share)
	}
}

// TestOneFailingMethodIsEjected simulates the command on the
// quiet demo 300 times: with GetBook failing at bookstore-2 (an error
// rate of 1) and the traffic's usual mix, the gateway ejects bookstore-2
// by the failure ratio — its other methods' successes keep the run of
// failures short — and only it, every time, within 40 s of the fault.
func TestOneFailingMethodIsEjected(t *testing.T) {
	runs := 300
	if raceEnabled {
		runs = 60
	}
	var afters []time.Duration
	for seed := range uint64(runs) {
		ej, after, ok := simOneMethod(t, outlierConfig(), seed, bookstore.MethodGetBook, introspect.Fault{ErrorRate: 1}, 40*time.Second)
		if !ok || ej.Address != simAddrs[1] || ej.Reason != lb.ReasonFailureRatio {
			t.Fatalf("seed %d: ejection %+v (%v), want the bad instance by its failure ratio within 40 s", seed, ej.Ejection, ok)
		}
		afters = append(afters, after)
	}
	slices.Sort(afters)
	t.Logf("ejected %v after the fault at the median, %v at the 95th percentile, %v at most (%d runs)",
		afters[runs/2].Round(100*time.Millisecond), afters[runs*95/100].Round(100*time.Millisecond), afters[runs-1].Round(100*time.Millisecond), runs)
}

// With no fault, the traffic's 404s and bursts eject nobody.
func TestHealthyFleetIsNeverEjected(t *testing.T) {
	for seed := range uint64(20) {
		ej, _, ok := simOneMethod(t, outlierConfig(), seed, "", introspect.Fault{}, 3*time.Minute)
		if ok {
			t.Fatalf("seed %d: %+v ejected with no fault", seed, ej.Ejection)
		}
	}
}
