package sd_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/transport"
	"go.uber.org/goleak"
)

// chanInstancer is an Instancer driven by the test.
type chanInstancer struct {
	mu sync.Mutex
	ch chan<- sd.Event
}

func (c *chanInstancer) Register(ch chan<- sd.Event) { c.mu.Lock(); c.ch = ch; c.mu.Unlock() }
func (c *chanInstancer) Deregister(ch chan<- sd.Event) {
	c.mu.Lock()
	if c.ch == ch {
		c.ch = nil
	}
	c.mu.Unlock()
}
func (c *chanInstancer) Stop() {}

// send delivers ev and, inside a synctest bubble, waits until it is applied.
func (c *chanInstancer) send(ev sd.Event) {
	c.mu.Lock()
	ch := c.ch
	c.mu.Unlock()
	ch <- ev
	synctest.Wait()
}

// factory records which instances got endpoints and which were closed.
type factory struct {
	mu      sync.Mutex
	made    map[string]int
	closed  map[string]int
	failFor string
}

func newFactory() *factory { return &factory{made: map[string]int{}, closed: map[string]int{}} }

type closer func() error

func (c closer) Close() error { return c() }

func (f *factory) make(inst sd.Instance) (endpoint.Endpoint, io.Closer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if inst.Address == f.failFor {
		return nil, nil, errors.New("dial refused")
	}
	f.made[inst.Address]++
	addr := inst.Address
	ep := func(context.Context, any) (any, error) { return addr, nil }
	return ep, closer(func() error {
		f.mu.Lock()
		f.closed[addr]++
		f.mu.Unlock()
		return nil
	}), nil
}

func (f *factory) counts(addr string) (made, closed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.made[addr], f.closed[addr]
}

func inst(addr string) sd.Instance {
	return sd.Instance{ID: "id-" + addr, Service: "book", Address: addr, Health: sd.HealthPassing}
}

func insts(addrs ...string) []sd.Instance {
	out := make([]sd.Instance, len(addrs))
	for i, a := range addrs {
		out[i] = inst(a)
	}
	return out
}

func addrsOf(t *testing.T, e *sd.Endpointer) []string {
	t.Helper()
	entries, err := e.Entries()
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	out := make([]string, len(entries))
	for i, en := range entries {
		out[i] = en.Instance().Address
	}
	return out
}

func entryFor(t *testing.T, e *sd.Endpointer, addr string) *sd.Entry {
	t.Helper()
	entries, _ := e.Entries()
	for _, en := range entries {
		if en.Instance().Address == addr {
			return en
		}
	}
	t.Fatalf("no entry for %s", addr)
	return nil
}

func TestEndpointerAddRemoveUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		e := sd.NewEndpointer(src, f.make)
		defer e.Close()
		if _, err := e.Entries(); !errors.Is(err, sd.ErrNoEndpoints) {
			t.Fatalf("before any event: err = %v, want ErrNoEndpoints", err)
		}

		src.send(sd.Event{Instances: insts("a:1", "b:1", "c:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 b:1 c:1]" {
			t.Fatalf("entries = %s", got)
		}
		a, c := entryFor(t, e, "a:1"), entryFor(t, e, "c:1")

		// b leaves, d arrives.
		src.send(sd.Event{Instances: insts("a:1", "c:1", "d:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 c:1 d:1]" {
			t.Fatalf("entries = %s", got)
		}
		if _, closed := f.counts("b:1"); closed != 1 {
			t.Fatalf("b closed %d times, want 1", closed)
		}
		for _, addr := range []string{"a:1", "c:1"} {
			if made, closed := f.counts(addr); made != 1 || closed != 0 {
				t.Fatalf("%s: made %d closed %d, want reuse", addr, made, closed)
			}
		}
		if entryFor(t, e, "a:1") != a || entryFor(t, e, "c:1") != c {
			t.Fatal("unchanged instances got new entries")
		}

		// a's metadata changes: same entry, endpoint and counters.
		if _, err := a.Endpoint(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		changed := insts("a:1", "c:1", "d:1")
		changed[0].Meta = map[string]string{sd.MetaAdmin: "http://a:9"}
		src.send(sd.Event{Instances: changed})
		a2 := entryFor(t, e, "a:1")
		if a2 != a || a2.Instance().Meta[sd.MetaAdmin] != "http://a:9" {
			t.Fatalf("metadata change not applied: %+v", a2.Instance())
		}
		if made, closed := f.counts("a:1"); made != 1 || closed != 0 {
			t.Fatalf("metadata change rebuilt the endpoint: made %d closed %d", made, closed)
		}
		if a2.Stats().Successes != 1 || a2.Key() != a.Key() {
			t.Fatalf("metadata change lost stats or key: %+v", a2.Stats())
		}

		// Reordered and duplicated: same entries, nothing made or closed.
		src.send(sd.Event{Instances: append(insts("d:1", "c:1"), changed[0], inst("d:1"))})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[d:1 c:1 a:1]" {
			t.Fatalf("entries = %s", got)
		}
		// A successful empty answer is a real answer.
		src.send(sd.Event{})
		if _, err := e.Entries(); !errors.Is(err, sd.ErrNoEndpoints) {
			t.Fatalf("empty set: err = %v", err)
		}
		for _, addr := range []string{"a:1", "c:1", "d:1"} {
			if _, closed := f.counts(addr); closed != 1 {
				t.Fatalf("%s closed %d times, want 1", addr, closed)
			}
		}
	})
}

func TestEndpointerFactoryError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		f.failFor = "b:1"
		e := sd.NewEndpointer(src, f.make)
		defer e.Close()
		src.send(sd.Event{Instances: insts("a:1", "b:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1]" {
			t.Fatalf("entries = %s", got)
		}
		if e.State().FactoryErr == nil {
			t.Fatal("State.FactoryErr not set")
		}
		f.mu.Lock()
		f.failFor = ""
		f.mu.Unlock()
		src.send(sd.Event{Instances: insts("a:1", "b:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 b:1]" || e.State().FactoryErr != nil {
			t.Fatalf("entries = %s, state %+v", got, e.State())
		}
	})
}

func TestEndpointerStaleOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		e := sd.NewEndpointer(src, f.make)
		defer e.Close()
		src.send(sd.Event{Instances: insts("a:1", "b:1")})
		start := time.Now()
		boom := errors.New("consul: connection refused")

		// The registry blinks with an empty set: nothing is dropped, ever.
		src.send(sd.Event{Err: boom, Stale: true})
		time.Sleep(time.Hour)
		src.send(sd.Event{Err: boom, Stale: true})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 b:1]" {
			t.Fatalf("entries during outage = %s", got)
		}
		st := e.State()
		if !st.Stale || !errors.Is(st.Err, boom) || !st.Since.Equal(start) || st.Endpoints != 2 {
			t.Fatalf("state = %+v, want stale since %v", st, start)
		}
		if _, closed := f.counts("a:1"); closed != 0 {
			t.Fatal("endpoint closed during a blink")
		}

		src.send(sd.Event{Instances: insts("a:1", "b:1")})
		if st := e.State(); st.Stale || st.Err != nil || !st.Since.IsZero() {
			t.Fatalf("after recovery state = %+v", st)
		}
	})
}

func TestEndpointerAdoptsLastKnownOnFirstError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		e := sd.NewEndpointer(src, f.make)
		defer e.Close()
		src.send(sd.Event{Instances: insts("a:1"), Err: errors.New("down"), Stale: true})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1]" || !e.State().Stale {
			t.Fatalf("entries = %s state %+v", got, e.State())
		}
	})
}

func TestEndpointerInvalidateOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		e := sd.NewEndpointer(src, f.make, sd.InvalidateOnError(30*time.Second))
		defer e.Close()
		src.send(sd.Event{Instances: insts("a:1", "b:1")})
		boom := errors.New("consul down")
		src.send(sd.Event{Err: boom, Stale: true, Instances: insts("a:1", "b:1")})

		time.Sleep(29 * time.Second)
		synctest.Wait()
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 b:1]" {
			t.Fatalf("before timeout: entries = %s", got)
		}
		// Repeated errors do not restart the timeout.
		src.send(sd.Event{Err: boom, Stale: true, Instances: insts("a:1", "b:1")})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		_, err := e.Entries()
		if !errors.Is(err, sd.ErrNoEndpoints) || !errors.Is(err, boom) {
			t.Fatalf("after timeout: err = %v, want ErrNoEndpoints wrapping the registry error", err)
		}
		if transport.StatusOf(err) != http.StatusServiceUnavailable {
			t.Fatalf("status = %d, want 503", transport.StatusOf(err))
		}
		if st := e.State(); !st.Invalidated || st.Endpoints != 0 || !st.Stale {
			t.Fatalf("state = %+v", st)
		}
		for _, addr := range []string{"a:1", "b:1"} {
			if _, closed := f.counts(addr); closed != 1 {
				t.Fatalf("%s closed %d times, want 1", addr, closed)
			}
		}
		// The registry's own stale copy does not bring them back.
		src.send(sd.Event{Err: boom, Stale: true, Instances: insts("a:1", "b:1")})
		if _, err := e.Entries(); !errors.Is(err, sd.ErrNoEndpoints) {
			t.Fatalf("stale copy re-adopted: err = %v", err)
		}
		// Recovery does.
		src.send(sd.Event{Instances: insts("a:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1]" || e.State().Invalidated {
			t.Fatalf("after recovery: %s %+v", got, e.State())
		}
		// A recovery before the timeout cancels it.
		src.send(sd.Event{Err: boom, Stale: true})
		time.Sleep(20 * time.Second)
		src.send(sd.Event{Instances: insts("a:1")})
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1]" {
			t.Fatalf("timeout not cancelled by recovery: %s", got)
		}
	})
}

func TestEndpointerCloseStopsGoroutines(t *testing.T) {
	base := goleak.IgnoreCurrent()
	f := newFactory()
	var es []*sd.Endpointer
	for range 10 {
		e := sd.NewEndpointer(sd.FixedInstancer(insts("a:1", "b:1")), f.make)
		if err := e.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	if n := runLoops(); n != 10 {
		t.Fatalf("%d update loops running, want one per Endpointer", n)
	}
	for _, e := range es {
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal("second Close:", err)
		}
		if _, err := e.Entries(); !errors.Is(err, sd.ErrClosed) || !errors.Is(err, sd.ErrNoEndpoints) {
			t.Fatalf("after Close: err = %v", err)
		}
		if err := e.Wait(context.Background()); !errors.Is(err, sd.ErrClosed) && err != nil {
			t.Fatalf("Wait after Close: %v", err)
		}
	}
	if _, closed := f.counts("a:1"); closed != 10 {
		t.Fatalf("a closed %d times, want 10", closed)
	}
	testutil.VerifyNone(t, base)
	if n := runLoops(); n != 0 {
		t.Fatalf("%d update loops still running", n)
	}
}

// runLoops counts the Endpointer update loops alive.
func runLoops() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "sd.(*Endpointer).run(")
}

func TestEndpointerStaleWithoutErr(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		e := sd.NewEndpointer(src, f.make, sd.InvalidateOnError(time.Second))
		defer e.Close()
		src.send(sd.Event{Instances: insts("a:1")})
		src.send(sd.Event{Stale: true})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if _, err := e.Entries(); !errors.Is(err, sd.ErrNoEndpoints) || strings.Contains(err.Error(), "%!") {
			t.Fatalf("err = %v", err)
		}
	})
}
