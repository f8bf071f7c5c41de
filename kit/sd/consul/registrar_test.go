package consul

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd"
)

var book = sd.Instance{
	ID: "book-1", Service: "book", Address: "127.0.0.1:8080",
	Tags: []string{"v1"}, Meta: map[string]string{sd.MetaAdmin: "http://127.0.0.1:9090"},
}

func TestRegistrarHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{}
		r, err := NewRegistrar(f, book, RegistrarOptions{TTL: 9 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := r.Register(t.Context()); err != nil { // idempotent, one heartbeat
			t.Fatal(err)
		}
		f.mu.Lock()
		reg := f.regs[0]
		f.mu.Unlock()
		if reg.ID != "book-1" || reg.Name != "book" || reg.Address != "127.0.0.1" || reg.Port != 8080 ||
			reg.Tags[0] != "v1" || reg.Meta[sd.MetaAdmin] == "" {
			t.Fatalf("registration %+v", reg)
		}
		if c := reg.Check; c.TTL != "9s" || c.Status != api.HealthPassing || c.CheckID != "service:book-1" ||
			c.DeregisterCriticalServiceAfter != "1m0s" || c.HTTP != "" {
			t.Fatalf("check %+v", c)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		f.mu.Lock()
		n, first := len(f.ttls), f.ttlArgs[0]
		f.mu.Unlock()
		if n != 20 || first != "service:book-1 passing" {
			t.Fatalf("%d heartbeats in a minute with TTL 9s (want 20, every 3s); first %q", n, first)
		}
		if err := r.Deregister(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.ttls) != n || len(f.deregs) != 1 || f.deregs[0] != "book-1" {
			t.Fatalf("after Deregister: %d heartbeats (want %d), deregs %v", len(f.ttls), n, f.deregs)
		}
	})
}

func TestRegistrarReregistersWhenAgentForgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{ttlErr: func(n int) error {
			switch n {
			case 2:
				return errDown // agent restarting: just retry later
			case 3:
				return fmt.Errorf("%w: service:book-1", ErrUnknownCheck) // agent back, empty
			}
			return nil
		}}
		r, err := NewRegistrar(f, book, RegistrarOptions{TTL: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3500 * time.Millisecond) // heartbeats at 1s, 2s, 3s: ok, ok, down
		synctest.Wait()
		if regs, _, _ := f.counts(); regs != 1 {
			t.Fatalf("%d registrations after a transport error, want 1", regs)
		}
		time.Sleep(time.Second) // heartbeat 4: unknown check
		synctest.Wait()
		if regs, _, _ := f.counts(); regs != 2 {
			t.Fatalf("%d registrations after the agent forgot us, want 2", regs)
		}
		if err := r.Deregister(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRegistrarHTTPCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{}
		r, err := NewRegistrar(f, book, RegistrarOptions{HTTPCheck: "http://127.0.0.1:9090/health", CheckInterval: 2 * time.Second, DeregisterAfter: -1})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		f.mu.Lock()
		c := f.regs[0].Check
		f.mu.Unlock()
		if c.HTTP != "http://127.0.0.1:9090/health" || c.Interval != "2s" || c.TTL != "" || c.DeregisterCriticalServiceAfter != "" {
			t.Fatalf("check %+v", c)
		}
		if _, ttls, _ := f.counts(); ttls != 0 {
			t.Fatalf("%d TTL updates for an HTTP check", ttls)
		}
		if err := r.Deregister(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRegistrarErrors(t *testing.T) {
	for _, inst := range []sd.Instance{
		{Service: "book", Address: "h:1"},
		{ID: "x", Address: "h:1"},
		{ID: "x", Service: "book", Address: "no-port"},
		{ID: "x", Service: "book", Address: "h:http"},
		{ID: "x", Service: "book", Address: "h:99999"},
	} {
		if _, err := NewRegistrar(&fakeClient{}, inst, RegistrarOptions{}); !errors.Is(err, ErrInvalidInstance) {
			t.Errorf("NewRegistrar(%+v) = %v, want ErrInvalidInstance", inst, err)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		f := &fakeClient{regErr: errDown}
		r, err := NewRegistrar(f, book, RegistrarOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(context.Background()); !errors.Is(err, errDown) {
			t.Fatalf("Register = %v", err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if _, ttls, _ := f.counts(); ttls != 0 {
			t.Fatal("heartbeat started although registration failed")
		}
	})
}
