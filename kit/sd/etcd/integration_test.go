package etcd_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/etcd"
)

// follower observes an Instancer as the sd.Event contract asks: it applies
// every event to the set it holds.
type follower struct {
	t   *testing.T
	ch  chan sd.Event
	set []sd.Instance
	n   int // events received
}

func follow(t *testing.T, s sd.Instancer) *follower {
	f := &follower{t: t, ch: make(chan sd.Event, 4)}
	s.Register(f.ch)
	return f
}

// take applies ev and returns the view: Instances is the whole set after
// ev, sorted by ID; Err, Stale, Delta and Removed are ev's.
func (f *follower) take(ev sd.Event) sd.Event {
	f.t.Helper()
	if f.n == 0 && ev.Delta {
		f.t.Fatalf("first event is a delta (%+v); the contract says a whole set", ev)
	}
	f.n++
	f.set = ev.Apply(f.set)
	view := ev
	view.Instances = slices.SortedFunc(slices.Values(f.set), func(a, b sd.Instance) int { return strings.Compare(a.ID, b.ID) })
	return view
}

// next waits up to within for an event whose view (see take) satisfies
// ok, and returns the view and the event.
func next(t *testing.T, f *follower, within time.Duration, what string, ok func(sd.Event) bool) (view, ev sd.Event) {
	t.Helper()
	timeout := time.NewTimer(within)
	defer timeout.Stop()
	var last sd.Event
	for {
		select {
		case ev := <-f.ch:
			view := f.take(ev)
			if ok(view) {
				return view, ev
			}
			last = view
		case <-timeout.C:
			t.Fatalf("no event with %s within %v (last: %v stale %v err %v)", what, within, ids(last), last.Stale, last.Err)
		}
	}
}

func ids(ev sd.Event) []string {
	var out []string
	for _, i := range ev.Instances {
		out = append(out, i.ID)
	}
	return out
}

func fresh(want ...string) func(sd.Event) bool {
	return func(ev sd.Event) bool { return ev.Err == nil && !ev.Stale && slices.Equal(ids(ev), want) }
}

func (f *follower) drain() {
	for {
		select {
		case ev := <-f.ch:
			f.take(ev)
		default:
			return
		}
	}
}

func instance(id string, port int) sd.Instance {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	return sd.Instance{ID: id, Service: "book", Address: addr, Tags: []string{"http"},
		Meta: map[string]string{sd.MetaHTTP: addr, sd.MetaAdmin: fmt.Sprintf("http://127.0.0.1:%d", port+1)}}
}

func register(t *testing.T, c etcd.LeaseClient, inst sd.Instance, ttl time.Duration) *etcd.Registrar {
	t.Helper()
	r, err := etcd.NewRegistrar(c, inst, etcd.RegistrarOptions{TTL: ttl, BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIntegrationRegisterWatchDeregister(t *testing.T) {
	base := goleak.IgnoreCurrent()
	srv := startEtcd(t)
	conn := srv.client()
	raw := srv.Client()
	inst := etcd.NewInstancer(conn, "book", etcd.InstancerOptions{})
	events := follow(t, inst)
	next(t, events, 5*time.Second, "the empty first list", fresh())

	// Each registration is seen within a second (through the watch, not a
	// poll: nothing else runs in that second).
	regs := map[string]*etcd.Registrar{}
	for i, id := range []string{"a", "b"} {
		start := time.Now()
		regs[id] = register(t, conn, instance(id, 9000+10*i), 10*time.Second)
		next(t, events, time.Second, "registered "+id, fresh([]string{"a", "b"}[:i+1]...))
		t.Logf("%s seen %v after Register began", id, time.Since(start))
	}

	// The value is the documented JSON, with what the Consul path carries.
	got, err := raw.Get(t.Context(), "/kit/services/book/a")
	if err != nil || len(got.Kvs) != 1 {
		t.Fatalf("raw get: %v, %v", got, err)
	}
	var v map[string]any
	if err := json.Unmarshal(got.Kvs[0].Value, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "service", "address", "tags", "meta", "health"} {
		if v[k] == nil {
			t.Errorf("value %s lacks %q", got.Kvs[0].Value, k)
		}
	}
	if got.Kvs[0].Lease != regs["a"].Status().Lease || got.Kvs[0].Lease == 0 {
		t.Fatalf("key under lease %x, registrar says %x", got.Kvs[0].Lease, regs["a"].Status().Lease)
	}

	if err := regs["b"].Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	last, ev := next(t, events, time.Second, "b deregistered", fresh("a"))
	if !ev.Delta || len(ev.Instances) != 0 || len(ev.Removed) != 1 || ev.Removed[0].ID != "b" {
		t.Fatalf("b's deregistration as %+v, want a delta removing b", ev)
	}
	if a := last.Instances[0]; a.Address != "127.0.0.1:9000" || a.Meta[sd.MetaAdmin] != "http://127.0.0.1:9001" || a.Health != sd.HealthPassing {
		t.Fatalf("instance a as watched: %+v", a)
	}

	inst.Stop()
	_ = regs["a"].Deregister(t.Context())
	conn.Close()
	raw.Close()
	testutil.VerifyNone(t, base)
}

// compacting delegates to a real client; before the first watch it writes
// two instances and compacts past the revision the watch will start from,
// and it holds the next list until release is closed, so the test sees the
// error event before the re-list replaces it.
type compacting struct {
	etcd.WatchClient
	raw     *clientv3.Client
	once    sync.Once
	fired   chan struct{}
	release chan struct{}

	mu          sync.Mutex
	revs        []int64 // revisions watches started from
	compactedAt int64
}

func (c *compacting) Watch(ctx context.Context, prefix string, rev int64) <-chan etcd.WatchResponse {
	c.once.Do(func() {
		for i, id := range []string{"c", "d"} {
			b, _ := json.Marshal(instance(id, 9100+10*i))
			if _, err := c.raw.Put(ctx, prefix+id, string(b)); err != nil {
				panic(err)
			}
		}
		resp, err := c.raw.Get(ctx, "x")
		if err != nil {
			panic(err)
		}
		if _, err := c.raw.Compact(ctx, resp.Header.Revision); err != nil {
			panic(err)
		}
		c.mu.Lock()
		c.compactedAt = resp.Header.Revision
		c.mu.Unlock()
		close(c.fired)
	})
	c.mu.Lock()
	c.revs = append(c.revs, rev)
	c.mu.Unlock()
	return c.WatchClient.Watch(ctx, prefix, rev)
}

func (c *compacting) List(ctx context.Context, prefix string) ([]etcd.KeyValue, int64, error) {
	select {
	case <-c.fired:
		select {
		case <-c.release:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	default:
	}
	return c.WatchClient.List(ctx, prefix)
}

func TestIntegrationCompactionPastTheWatch(t *testing.T) {
	base := goleak.IgnoreCurrent()
	srv := startEtcd(t)
	conn := srv.client()
	raw := srv.Client()
	reg := register(t, conn, instance("a", 9000), 10*time.Second)
	c := &compacting{WatchClient: conn, raw: raw, fired: make(chan struct{}), release: make(chan struct{})}
	inst := etcd.NewInstancer(c, "book", etcd.InstancerOptions{Timeout: 30 * time.Second})
	events := follow(t, inst)

	next(t, events, 5*time.Second, "a listed", fresh("a"))
	next(t, events, 5*time.Second, "the compaction's error event", func(ev sd.Event) bool {
		return ev.Stale && errors.Is(ev.Err, etcd.ErrCompacted) && slices.Equal(ids(ev), []string{"a"})
	})
	close(c.release)
	if _, ev := next(t, events, 5*time.Second, "the re-list", fresh("a", "c", "d")); ev.Delta {
		t.Fatalf("the re-list after a compaction as a delta %+v, want a whole set", ev)
	}
	c.mu.Lock()
	revs, compactedAt := slices.Clone(c.revs), c.compactedAt
	c.mu.Unlock()
	if len(revs) != 2 || revs[0] >= compactedAt || revs[1] <= compactedAt {
		t.Fatalf("watches from %v around a compaction at %d: want one before it, then one after", revs, compactedAt)
	}

	// The new watch works: a later registration is seen within a second.
	later := register(t, conn, instance("e", 9200), 10*time.Second)
	if _, ev := next(t, events, time.Second, "e after the compaction", fresh("a", "c", "d", "e")); !ev.Delta || len(ev.Removed) != 0 || len(ev.Instances) != 1 {
		t.Fatalf("e's registration as %+v, want a delta adding e", ev)
	}

	inst.Stop()
	_ = reg.Deregister(t.Context())
	_ = later.Deregister(t.Context())
	conn.Close()
	raw.Close()
	testutil.VerifyNone(t, base)
}

func TestIntegrationRevokedLeaseIsGrantedAgain(t *testing.T) {
	base := goleak.IgnoreCurrent()
	srv := startEtcd(t)
	conn := srv.client()
	raw := srv.Client()
	inst := etcd.NewInstancer(conn, "book", etcd.InstancerOptions{})
	events := follow(t, inst)
	const ttl = 3 * time.Second
	reg := register(t, conn, instance("a", 9000), ttl)
	next(t, events, time.Second, "a registered", fresh("a"))

	old := reg.Status().Lease
	events.drain()
	revoked := time.Now()
	if _, err := raw.Revoke(t.Context(), clientv3.LeaseID(old)); err != nil {
		t.Fatal(err)
	}
	// The revocation deletes the key; within the TTL the registrar has a
	// new lease and the key is back. (The registrar counts the
	// re-registration after its put, so the count is polled once the key
	// is seen again; the deletion in between may be coalesced away for a
	// slow observer, so only the final state is awaited.)
	next(t, events, ttl, "a back under a new lease", fresh("a"))
	for deadline := time.Now().Add(ttl); reg.Status().ReRegistrations != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("re-registrations %d after the key came back, want 1", reg.Status().ReRegistrations)
		}
	}
	t.Logf("re-registered %v after the revocation (TTL %v)", time.Since(revoked), ttl)
	st := reg.Status()
	got, err := raw.Get(t.Context(), st.Key)
	if err != nil || len(got.Kvs) != 1 || got.Kvs[0].Lease != st.Lease || st.Lease == old || !st.Registered {
		t.Fatalf("after revocation: status %+v, key %v, %v (old lease %x)", st, got.Kvs, err, old)
	}

	inst.Stop()
	if err := reg.Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, err := raw.Get(t.Context(), st.Key); err != nil || len(got.Kvs) != 0 {
		t.Fatalf("key after Deregister: %v, %v", got.Kvs, err)
	}
	conn.Close()
	raw.Close()
	testutil.VerifyNone(t, base)
}

func TestIntegrationRestartKeepsInstancesStale(t *testing.T) {
	base := goleak.IgnoreCurrent()
	srv := startEtcd(t)
	conn := srv.client()
	inst := etcd.NewInstancer(conn, "book", etcd.InstancerOptions{
		ProbeEvery: 100 * time.Millisecond, Timeout: 300 * time.Millisecond,
		BackoffMin: 100 * time.Millisecond, BackoffMax: 500 * time.Millisecond,
	})
	events := follow(t, inst)
	reg := register(t, conn, instance("a", 9000), 10*time.Second)
	next(t, events, time.Second, "a registered", fresh("a"))

	srv.Stop()
	down := time.Now()
	next(t, events, 5*time.Second, "a kept, stale, while etcd is down", func(ev sd.Event) bool {
		return ev.Stale && ev.Err != nil && slices.Equal(ids(ev), []string{"a"})
	})
	t.Logf("stale %v after etcd was killed", time.Since(down))
	srv.Restart()
	up := time.Now()
	next(t, events, 20*time.Second, "a fresh after the restart", fresh("a"))
	t.Logf("fresh %v after etcd answered again", time.Since(up))
	b := register(t, conn, instance("b", 9010), 10*time.Second)
	next(t, events, time.Second, "b after the restart", fresh("a", "b"))
	if st := reg.Status(); !st.Registered {
		t.Fatalf("a's registrar after the restart: %+v", st)
	}

	inst.Stop()
	_ = reg.Deregister(t.Context())
	_ = b.Deregister(t.Context())
	conn.Close()
	testutil.VerifyNone(t, base)
}

// hooked runs before once, just before its first watch starts.
type hooked struct {
	etcd.WatchClient
	once   sync.Once
	before func()
}

func (h *hooked) Watch(ctx context.Context, prefix string, rev int64) <-chan etcd.WatchResponse {
	h.once.Do(h.before)
	return h.WatchClient.Watch(ctx, prefix, rev)
}

// TestIntegrationDownBeforeTheWatchIsAcknowledged kills etcd between the
// list and the watch: etcd's client then waits for ever to open the watch,
// and the Instancer must still notice the outage.
func TestIntegrationDownBeforeTheWatchIsAcknowledged(t *testing.T) {
	base := goleak.IgnoreCurrent()
	srv := startEtcd(t)
	conn := srv.client()
	reg := register(t, conn, instance("a", 9000), time.Minute)
	h := &hooked{WatchClient: conn, before: srv.Stop}
	inst := etcd.NewInstancer(h, "book", etcd.InstancerOptions{ProbeEvery: 100 * time.Millisecond, Timeout: 300 * time.Millisecond})
	events := follow(t, inst)
	next(t, events, 5*time.Second, "a listed", fresh("a"))
	next(t, events, 5*time.Second, "a kept, stale, with etcd gone before the watch began", func(ev sd.Event) bool {
		return ev.Stale && errors.Is(ev.Err, etcd.ErrUnreachable) && slices.Equal(ids(ev), []string{"a"})
	})
	inst.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_ = reg.Deregister(ctx) // etcd is gone: bounded, and it fails
	conn.Close()
	testutil.VerifyNone(t, base)
}
