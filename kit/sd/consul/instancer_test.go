package consul

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/consul/api"
	"go.uber.org/goleak"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/internal/fanout"
)

func indexes(calls []call) []uint64 {
	var out []uint64
	for _, c := range calls {
		out = append(out, c.index)
	}
	return out
}

// everyQueryWaits checks two rules on every query: a wait time is always
// set, and after the first answer no query uses an index below 1.
func everyQueryWaits(t *testing.T, calls []call) {
	t.Helper()
	for i, c := range calls {
		if c.wait <= 0 {
			t.Errorf("query %d without a wait time", i)
		}
		if i > 0 && c.index < 1 {
			t.Errorf("query %d waits on index %d (< 1)", i, c.index)
		}
	}
}

func TestInstancerIndexBackwards(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{answer: func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error) {
			switch n {
			case 0:
				return entries("a"), 10, nil
			case 1:
				return entries("a", "b"), 5, nil // went backwards: e.g. a snapshot restore
			case 2:
				return entries("a", "b"), 7, nil
			}
			return block(ctx)
		}}
		s := NewInstancer(f, "svc", InstancerOptions{})
		defer s.Stop()
		ch := make(chan sd.Event, 4)
		s.Register(ch)
		// The observer may join after the first answer: it sees [a] then
		// [a b], or just [a b].
		ev := <-ch
		if slices.Equal(ids(ev), []string{"a"}) {
			ev = <-ch
		}
		if !slices.Equal(ids(ev), []string{"a", "b"}) || ev.Stale || ev.Err != nil {
			t.Fatalf("event %+v, want [a b]", ev)
		}
		time.Sleep(time.Minute) // past the rate limit
		synctest.Wait()
		// 10 → 5 went backwards: reset (to 0, raised to 1) rather than
		// waiting on 10, which would miss updates until the index passed 10.
		if got := indexes(f.snapshot()); !slices.Equal(got, []uint64{0, 10, 1, 7}) {
			t.Fatalf("query indexes %v, want [0 10 1 7]", got)
		}
		everyQueryWaits(t, f.snapshot())
	})
}

func TestInstancerIndexZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A buggy agent that always answers index 0: the loop must wait on
		// 1, never spin on 0.
		f := &fakeClient{answer: func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error) {
			if n < 4 {
				return entries("a"), 0, nil
			}
			return block(ctx)
		}}
		s := NewInstancer(f, "svc", InstancerOptions{})
		defer s.Stop()
		synctest.Wait()
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := indexes(f.snapshot()); !slices.Equal(got, []uint64{0, 1, 1, 1, 1}) {
			t.Fatalf("query indexes %v, want [0 1 1 1 1]", got)
		}
		everyQueryWaits(t, f.snapshot())
	})
}

func TestInstancerChurnRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Every answer carries a new index at once: the churn that made
		// go-kit's loop send hundreds of requests per second.
		f := &fakeClient{answer: func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error) {
			return entries("a"), uint64(100 + n), nil
		}}
		start := time.Now()
		s := NewInstancer(f, "svc", InstancerOptions{})
		time.Sleep(time.Minute)
		synctest.Wait()
		inMinute := len(f.snapshot())
		time.Sleep(9 * time.Minute)
		synctest.Wait()
		s.Stop()
		calls := f.snapshot()
		// Burst of 2, then one per 15 s: t=0,0,15,30,45,60.
		if inMinute != 6 {
			t.Errorf("%d queries in the first simulated minute, want 6 (burst 2 + one per 15s)", inMinute)
		}
		if len(calls) > 2+40+1 {
			t.Errorf("%d queries in 10 simulated minutes, want <= 43", len(calls))
		}
		for i := 2; i < len(calls); i++ {
			if gap := calls[i].at.Sub(calls[i-1].at); gap < 15*time.Second {
				t.Fatalf("query %d came %v after the previous one (at %v)", i, gap, calls[i].at.Sub(start))
			}
		}
		everyQueryWaits(t, calls)
	})
}

// consulSim answers like Consul: index stays put until change() and a
// query with the current index blocks for its wait time.
type consulSim struct {
	mu      sync.Mutex
	index   uint64
	ids     []string
	changed chan struct{}
}

func newSim(index uint64, ids ...string) *consulSim {
	return &consulSim{index: index, ids: ids, changed: make(chan struct{})}
}

func (s *consulSim) change(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index++
	s.ids = ids
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *consulSim) answer(ctx context.Context, _ int, c call) ([]*api.ServiceEntry, uint64, error) {
	s.mu.Lock()
	idx, ch := s.index, s.changed
	s.mu.Unlock()
	if c.index > 0 && c.index >= idx {
		t := time.NewTimer(c.wait)
		defer t.Stop()
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return entries(s.ids...), s.index, nil
}

// TestInstancerAdvancesIndex is the regression test for a loop that never
// advances its index: against a quiet Consul such a loop gets an immediate
// answer to every query and, even rate-limited, sends 42 queries in ten
// minutes. A loop that waits on the index it was given sends one per wait.
func TestInstancerAdvancesIndex(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim(42, "a", "b")
		f := &fakeClient{answer: sim.answer}
		s := NewInstancer(f, "svc", InstancerOptions{Wait: time.Minute})
		ch := make(chan sd.Event, 4)
		s.Register(ch)
		<-ch
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		calls := f.snapshot()
		if len(calls) > 12 {
			t.Fatalf("%d queries in 10 quiet minutes with a 1m wait, want <= 12 (indexes %v)", len(calls), indexes(calls))
		}
		for i, c := range calls[1:] {
			if c.index != 42 {
				t.Fatalf("query %d waits on index %d, want 42", i+1, c.index)
			}
		}
		// A change wakes the parked query straight away.
		t0 := time.Now()
		sim.change("a", "b", "c")
		ev := <-ch
		if !slices.Equal(ids(ev), []string{"a", "b", "c"}) || time.Since(t0) != 0 {
			t.Fatalf("after change: %v after %v", ids(ev), time.Since(t0))
		}
		s.Stop()
	})
}

func TestInstancerOutageBackoffAndRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const failures = 6
		f := &fakeClient{answer: func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error) {
			switch {
			case n == 0:
				return entries("a", "b"), 10, nil
			case n <= failures:
				return nil, 0, errDown
			case n == failures+1:
				return entries("a", "c"), 20, nil
			}
			return block(ctx)
		}}
		s := NewInstancer(f, "svc", InstancerOptions{RateEvery: -1, BackoffMin: time.Second, BackoffMax: 8 * time.Second})
		defer s.Stop()
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		var stale int
		for {
			ev := <-ch
			if ev.Err == nil {
				if ev.Stale || !slices.Equal(ids(ev), []string{"a", "c"}) {
					t.Fatalf("recovery event %+v", ev)
				}
				break
			}
			stale++
			// Never an empty set because the registry blinked.
			if !ev.Stale || !slices.Equal(ids(ev), []string{"a", "b"}) {
				t.Fatalf("error event %+v, want last known [a b] marked stale", ev)
			}
		}
		if stale == 0 {
			t.Fatal("no stale event during the outage")
		}
		calls := f.snapshot()
		for k := 1; k <= failures; k++ {
			d := min(time.Second<<(k-1), 8*time.Second)
			gap := calls[k+1].at.Sub(calls[k].at)
			if gap < d/2 || gap > d {
				t.Errorf("retry after failure %d came after %v, want %v..%v", k, gap, d/2, d)
			}
		}
	})
}

func TestInstancerBackoffWithDefaultLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{answer: func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error) {
			return nil, 0, errDown
		}}
		s := NewInstancer(f, "svc", InstancerOptions{})
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		ev := <-ch
		if ev.Err == nil || !ev.Stale || len(ev.Instances) != 0 {
			t.Fatalf("first event while down: %+v, want an error with no instances", ev)
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		s.Stop()
		// A dead agent costs at most burst + one query per 15s.
		if n := len(f.snapshot()); n > 2+40+1 || n < 10 {
			t.Fatalf("%d queries in 10 minutes of outage", n)
		}
	})
}

func TestInstancerQueryParameters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{}
		s := NewInstancer(f, "svc", InstancerOptions{Tags: []string{"v1", "eu"}, IncludeUnhealthy: true, Wait: 30 * time.Second})
		synctest.Wait()
		s.Stop()
		c := f.snapshot()[0]
		if !slices.Equal(c.tags, []string{"v1", "eu"}) || c.passing || c.wait != 30*time.Second {
			t.Fatalf("query %+v", c)
		}
		f = &fakeClient{}
		s = NewInstancer(f, "svc", InstancerOptions{})
		synctest.Wait()
		s.Stop()
		if c := f.snapshot()[0]; !c.passing || c.wait != time.Minute || c.tags != nil {
			t.Fatalf("default query %+v", c)
		}
	})
}

func TestInstancerSlowObserverGetsLatest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newSim(5, "a")
		f := &fakeClient{answer: sim.answer}
		s := NewInstancer(f, "svc", InstancerOptions{RateEvery: -1})
		defer s.Stop()
		slow := make(chan sd.Event) // unbuffered and not read for a while
		fast := make(chan sd.Event, 16)
		s.Register(slow)
		s.Register(fast)
		<-fast
		synctest.Wait() // the slow observer's delivery is now parked holding [a]
		for i, set := range [][]string{{"a", "b"}, {"a", "b", "c"}, {"b", "c"}} {
			sim.change(set...)
			if ev := <-fast; !slices.Equal(ids(ev), set) {
				t.Fatalf("change %d: fast observer got %v", i, ids(ev))
			}
		}
		synctest.Wait()
		// The slow observer was holding the first state; next it gets the newest.
		if ev := <-slow; !slices.Equal(ids(ev), []string{"a"}) {
			t.Fatalf("slow first %v", ids(ev))
		}
		if ev := <-slow; !slices.Equal(ids(ev), []string{"b", "c"}) {
			t.Fatalf("slow second %v, want the latest [b c]", ids(ev))
		}
		// Deregister returns even though nobody reads slow.
		sim.change("d")
		synctest.Wait()
		s.Deregister(slow)
		s.Deregister(slow) // twice is fine
	})
}

func TestInstancerStopLeavesNoGoroutines(t *testing.T) {
	base := goleak.IgnoreCurrent()
	f := &fakeClient{}
	s := NewInstancer(f, "svc", InstancerOptions{})
	for range 5 {
		s.Register(make(chan sd.Event))
	}
	s.Stop()
	s.Stop()
	s.Register(make(chan sd.Event)) // after Stop: ignored, no goroutine
	testutil.VerifyNone(t, base)
}

func TestConvert(t *testing.T) {
	in := []*api.ServiceEntry{
		{
			Node:    &api.Node{Address: "10.0.0.2"},
			Service: &api.AgentService{ID: "z", Service: "svc", Port: 81, Tags: []string{"t"}, Meta: map[string]string{"kit_admin": "http://x"}},
			Checks:  api.HealthChecks{{Status: api.HealthPassing}, {Status: api.HealthWarning}},
		},
		{
			Node:    &api.Node{Address: "10.0.0.2"},
			Service: &api.AgentService{ID: "a", Service: "svc", Address: "::1", Port: 80},
			Checks:  api.HealthChecks{{Status: api.HealthWarning}, {Status: api.HealthMaint}},
		},
		{Service: &api.AgentService{ID: "m", Service: "svc", Address: "h", Port: 1}},
		nil,
		{Node: &api.Node{}},
	}
	got := convert(in)
	want := []sd.Instance{
		{ID: "a", Service: "svc", Address: "[::1]:80", Health: sd.HealthCritical},
		{ID: "m", Service: "svc", Address: "h:1", Health: sd.HealthPassing},
		{ID: "z", Service: "svc", Address: "10.0.0.2:81", Tags: []string{"t"}, Meta: map[string]string{"kit_admin": "http://x"}, Health: sd.HealthWarning},
	}
	if !slices.EqualFunc(got, want, fanout.Equal) {
		t.Fatalf("convert =\n%+v\nwant\n%+v", got, want)
	}
}
