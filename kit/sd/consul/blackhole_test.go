package consul_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/internal/blackhole"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
)

// A black-holed agent accepts connections and never answers; only a fake
// listener (internal/blackhole) can make one on demand. Between the client
// and a real dev registry it forwards, then goes silent (the parked
// blocking query with it), then forwards again. The Instancer must mark
// its last instances stale with ErrUnresponsive and recover. Without a
// bound on each query it waited forever.
func TestInstancerBlackholedAgent(t *testing.T) {
	_, raddr := serve(t, "127.0.0.1:0")
	direct, dtr := apiClient(t, raddr)
	defer dtr.CloseIdleConnections()
	hole := blackhole.New(t)
	hole.Forward(raddr)
	ac, tr := apiClient(t, hole.Addr())
	defer tr.CloseIdleConnections()

	register := func(id string) {
		t.Helper()
		err := direct.Agent().ServiceRegister(&api.AgentServiceRegistration{ID: id, Name: "book", Port: 8000,
			Check: &api.AgentServiceCheck{TTL: "1h", Status: api.HealthPassing}})
		if err != nil {
			t.Fatal(err)
		}
	}
	register("a")
	const wait, timeout = 200 * time.Millisecond, time.Second
	inst := consul.NewInstancer(consul.Wrap(ac), "book", consul.InstancerOptions{
		Wait: wait, Timeout: timeout, RateEvery: 10 * time.Millisecond,
		BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
	})
	defer inst.Stop()
	events := make(chan sd.Event, 1)
	inst.Register(events)
	next(t, events, "a", fresh("a"))

	hole.Silence()
	start := time.Now()
	ev := next(t, events, "a stale mark with ErrUnresponsive", func(ev sd.Event) bool { return ev.Err != nil })
	t.Logf("stale %v after the agent went silent (wait %v, bound %v): %v", time.Since(start), wait, timeout, ev.Err)
	if !ev.Stale || !errors.Is(ev.Err, consul.ErrUnresponsive) || len(ev.Instances) != 1 || ev.Instances[0].ID != "a" {
		t.Fatalf("event while silent %+v, want [a] stale with ErrUnresponsive", ev)
	}

	register("b") // while the instancer cannot see it
	hole.Forward(raddr)
	next(t, events, "a and b once the agent answers again", fresh("a", "b"))
}

// A Registrar's calls to a black-holed agent end at its bound even when the
// caller's context has none (a shutdown path's context.WithoutCancel).
func TestRegistrarBlackholedAgent(t *testing.T) {
	_, raddr := serve(t, "127.0.0.1:0")
	hole := blackhole.New(t)
	hole.Forward(raddr)
	ac, tr := apiClient(t, hole.Addr())
	defer tr.CloseIdleConnections()
	r, err := consul.NewRegistrar(consul.Wrap(ac), sd.Instance{ID: "book-1", Service: "book", Address: "127.0.0.1:8080"},
		consul.RegistrarOptions{TTL: time.Hour, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	hole.Silence()
	for _, c := range []struct {
		name string
		call func(context.Context) error
	}{{"Register", r.Register}, {"Deregister", r.Deregister}} {
		name, call := c.name, c.call
		done := make(chan error, 1)
		go func() { done <- call(context.Background()) }()
		select {
		case err := <-done:
			if !errors.Is(err, consul.ErrUnresponsive) {
				t.Fatalf("%s to a silent agent = %v, want ErrUnresponsive", name, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s to a silent agent still waiting after 20s", name)
		}
	}
	hole.Forward(raddr)
	if err := r.Deregister(t.Context()); err != nil {
		t.Fatalf("Deregister once the agent answers: %v", err)
	}
}
