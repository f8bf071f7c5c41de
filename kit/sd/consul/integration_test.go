package consul_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"go.uber.org/goleak"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

// counting records the index of every health query it forwards.
type counting struct {
	consul.Client
	mu      sync.Mutex
	indexes []uint64
}

func (c *counting) Service(ctx context.Context, service string, tags []string, passing bool, index uint64, wait time.Duration) ([]*api.ServiceEntry, uint64, error) {
	c.mu.Lock()
	c.indexes = append(c.indexes, index)
	c.mu.Unlock()
	return c.Client.Service(ctx, service, tags, passing, index, wait)
}

func (c *counting) queries() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.indexes)
}

// serve runs a dev registry on addr ("127.0.0.1:0" for any port).
func serve(t *testing.T, addr string) (*devregistry.Registry, string) {
	t.Helper()
	reg := devregistry.New(devregistry.Options{})
	ln, err := devregistry.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = reg.Serve(ln) }()
	t.Cleanup(func() { reg.Close(); <-done })
	return reg, ln.Addr().String()
}

func apiClient(t *testing.T, addr string) (*api.Client, *http.Transport) {
	t.Helper()
	tr := &http.Transport{}
	c, err := api.NewClient(&api.Config{Address: addr, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// next waits (boundedly) for an event that satisfies ok, returning it.
func next(t *testing.T, ch <-chan sd.Event, what string, ok func(sd.Event) bool) sd.Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ok(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event with %s", what)
		}
	}
}

func fresh(want ...string) func(sd.Event) bool {
	return func(ev sd.Event) bool {
		var got []string
		for _, i := range ev.Instances {
			got = append(got, i.ID)
		}
		return ev.Err == nil && !ev.Stale && slices.Equal(got, want)
	}
}

func TestIntegrationWithDevRegistry(t *testing.T) {
	base := goleak.IgnoreCurrent()
	reg, addr := serve(t, "127.0.0.1:0")
	ac, tr := apiClient(t, addr)
	client := &counting{Client: consul.Wrap(ac)}

	const wait = time.Minute
	// Three registrations are three index changes in a row; the default
	// limiter would rightly spread their queries 15s apart, so this test
	// allows one query per 10ms. The limiter itself is tested with fakes.
	inst := consul.NewInstancer(client, "book", consul.InstancerOptions{Wait: wait, RateEvery: 10 * time.Millisecond, BackoffMin: 50 * time.Millisecond})
	events := make(chan sd.Event, 16)
	inst.Register(events)
	next(t, events, "the empty first answer", fresh())

	regs := map[string]*consul.Registrar{}
	for i, id := range []string{"a", "b", "c"} {
		ttl := time.Hour
		if id == "a" {
			ttl = time.Second // heartbeat every 333ms: it re-registers after the restart below
		}
		r, err := consul.NewRegistrar(client, sd.Instance{ID: id, Service: "book", Address: net.JoinHostPort("127.0.0.1", string(rune('1'+i))+"000")}, consul.RegistrarOptions{TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		regs[id] = r
	}
	before := len(client.queries())
	start := time.Now()
	for _, id := range []string{"a", "b", "c"} {
		if err := regs[id].Register(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	ev := next(t, events, "a, b and c", fresh("a", "b", "c"))
	latency := time.Since(start)
	t.Logf("3 registrations seen after %v", latency)
	if ev.Instances[0].Address != "127.0.0.1:1000" || ev.Instances[0].Health != sd.HealthPassing {
		t.Fatalf("instance %+v", ev.Instances[0])
	}
	// The wake-up came from the parked blocking query, not from polling:
	// every query after the first waited on a real index, and at most one
	// query per index change (plus the one parked) was needed.
	q := client.queries()
	if n := len(q) - before; n > 4 {
		t.Fatalf("%d queries to see 3 registrations, want <= 4", n)
	}
	for i, idx := range q[1:] {
		if idx < 1 {
			t.Fatalf("query %d did not block (index %d)", i+1, idx)
		}
	}
	if latency > wait/2 {
		t.Fatalf("took %v, a large part of the %v wait: not woken by the change", latency, wait)
	}

	// Fail c's TTL check: c leaves the passing set.
	if err := ac.Agent().UpdateTTL("service:c", "shutting down", api.HealthCritical); err != nil {
		t.Fatal(err)
	}
	next(t, events, "c gone after its check failed", fresh("a", "b"))

	// d has a short TTL and no heartbeat: it appears, then its TTL expires.
	err := ac.Agent().ServiceRegister(&api.AgentServiceRegistration{ID: "d", Name: "book", Port: 4000,
		Check: &api.AgentServiceCheck{TTL: "2s", Status: api.HealthPassing}})
	if err != nil {
		t.Fatal(err)
	}
	next(t, events, "d registered", fresh("a", "b", "d"))
	next(t, events, "d gone after its TTL expired", fresh("a", "b"))

	// Deregistration.
	if err := regs["b"].Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	next(t, events, "b deregistered", fresh("a"))

	// Restart the registry: the Instancer keeps a (stale) while it is down,
	// and a's Registrar registers again once it is back, empty.
	reg.Close()
	next(t, events, "a stale during the outage", func(ev sd.Event) bool {
		return ev.Stale && ev.Err != nil && len(ev.Instances) == 1 && ev.Instances[0].ID == "a"
	})
	reg2, addr2 := serve(t, addr)
	if addr2 != addr {
		t.Fatalf("restarted on %s, want %s", addr2, addr)
	}
	next(t, events, "a re-registered after the restart", fresh("a"))
	if svcs, err := ac.Agent().Services(); err != nil || svcs["a"] == nil {
		t.Fatalf("agent services after restart = %v, %v", svcs, err)
	}

	inst.Stop()
	for _, id := range []string{"a", "c"} {
		_ = regs[id].Deregister(t.Context())
	}
	reg2.Close()
	tr.CloseIdleConnections()
	testutil.VerifyNone(t, base)
}

func TestNewClientHonoursEnvironment(t *testing.T) {
	reg := devregistry.New(devregistry.Options{})
	var mu sync.Mutex
	var tokens []string
	ln, err := devregistry.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.Header.Get("X-Consul-Token"))
		mu.Unlock()
		reg.Handler().ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	defer reg.Close()

	t.Setenv("CONSUL_HTTP_ADDR", ln.Addr().String())
	t.Setenv("CONSUL_HTTP_TOKEN", "s3cret")
	c, err := consul.NewClient("")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Register(t.Context(), &api.AgentServiceRegistration{Name: "x", Check: &api.AgentServiceCheck{TTL: "1m", Status: "passing"}}); err != nil {
		t.Fatal(err)
	}
	entries, idx, err := c.Service(t.Context(), "x", nil, true, 0, time.Second)
	if err != nil || len(entries) != 1 || idx == 0 {
		t.Fatalf("Service = %d entries, index %d, %v", len(entries), idx, err)
	}
	if err := c.UpdateTTL(t.Context(), "nope", "", api.HealthPassing); !errors.Is(err, consul.ErrUnknownCheck) {
		t.Fatalf("UpdateTTL(unknown) = %v, want ErrUnknownCheck", err)
	}
	if err := c.Deregister(t.Context(), "x"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	seen := slices.Clone(tokens)
	mu.Unlock()
	for _, tok := range seen {
		if tok != "s3cret" {
			t.Fatalf("request without CONSUL_HTTP_TOKEN: %q", tok)
		}
	}

	// An explicit address wins over CONSUL_HTTP_ADDR.
	t.Setenv("CONSUL_HTTP_ADDR", "127.0.0.1:1")
	c, err = consul.NewClient(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Service(t.Context(), "x", nil, true, 0, time.Second); err != nil {
		t.Fatalf("explicit address: %v", err)
	}
}
