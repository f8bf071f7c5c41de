package discovery_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/internal/testutil/registrytest"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
	"github.com/kitbench/kitbench/probes/discovery"
)

// registry runs a dev registry on a free loopback port.
func registry(t *testing.T) (*devregistry.Registry, string, *api.Client) {
	t.Helper()
	reg, addr := registrytest.Start(t, "127.0.0.1:0")
	return reg, addr, registrytest.Client(t, addr)
}

func register(t *testing.T, c *api.Client, service, id string, port int) {
	t.Helper()
	err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: id, Name: service, Address: "127.0.0.1", Port: port, Tags: []string{"\x1b[31mred"},
		Meta:  map[string]string{sd.MetaAdmin: "http://127.0.0.1:1"},
		Check: &api.AgentServiceCheck{TTL: "30s", Status: api.HealthPassing},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// await waits, boundedly, for a snapshot that satisfies ok.
func await(t *testing.T, w *discovery.Watcher, what string, ok func(discovery.Snapshot) bool) discovery.Snapshot {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		if s := w.Snapshot(); ok(s) {
			return s
		}
		select {
		case <-w.Updates():
		case <-timeout:
			t.Fatalf("no snapshot with %s; last %+v", what, w.Snapshot())
		}
	}
}

func ids(s discovery.Snapshot) string {
	var out []string
	for _, i := range s.Instances() {
		out = append(out, i.Service+"/"+i.ID)
	}
	return strings.Join(out, ",")
}

func TestWatchRegistry(t *testing.T) {
	testutil.NoLeaks(t)
	reg, addr, c := registry(t)
	register(t, c, "book", "book-1", 8001)

	w, err := discovery.New(discovery.Options{Consul: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s := await(t, w, "book-1", func(s discovery.Snapshot) bool { return s.Ready && ids(s) == "book/book-1" })
	if s.Source != "registry at "+addr || s.Err != nil || s.Stale {
		t.Fatalf("snapshot %+v", s)
	}
	if inst := s.Instances()[0]; inst.Address != "127.0.0.1:8001" || inst.Health != sd.HealthPassing || inst.Tags[0] != "\x1b[31mred" {
		t.Fatalf("instance %+v", inst)
	}

	register(t, c, "book", "book-2", 8002)
	register(t, c, "gateway", "gw-1", 9001)
	await(t, w, "a later instance and service", func(s discovery.Snapshot) bool {
		return ids(s) == "book/book-1,book/book-2,gateway/gw-1"
	})

	if err := c.Agent().ServiceDeregister("gw-1"); err != nil {
		t.Fatal(err)
	}
	await(t, w, "gateway gone", func(s discovery.Snapshot) bool {
		_, ok := s.Service("gateway")
		return !ok && ids(s) == "book/book-1,book/book-2"
	})

	// An outage keeps the last set, marked stale, with the error.
	reg.Close()
	s = await(t, w, "stale set", func(s discovery.Snapshot) bool { return s.Stale && s.Err != nil })
	if ids(s) != "book/book-1,book/book-2" {
		t.Fatalf("stale snapshot lost instances: %q", ids(s))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, open := <-w.Updates(); open {
		// drain the one buffered snapshot, then it must be closed
		if _, open := <-w.Updates(); open {
			t.Fatal("Updates not closed")
		}
	}
}

func TestStaticTargets(t *testing.T) {
	w, err := discovery.New(discovery.Options{Targets: []string{"127.0.0.1:9000", "http://127.0.0.1:9001/"}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s := <-w.Updates()
	if !s.Ready || ids(s) != "static/127.0.0.1:9000,static/127.0.0.1:9001" {
		t.Fatalf("snapshot %+v", s)
	}
	if got := s.Instances()[1].Meta[sd.MetaAdmin]; got != "http://127.0.0.1:9001" {
		t.Fatalf("admin meta %q", got)
	}
	if _, err := discovery.New(discovery.Options{Targets: []string{"nope"}}); !errors.Is(err, discovery.ErrNoSource) {
		t.Fatalf("bad target: %v", err)
	}
}

func TestListUnreachable(t *testing.T) {
	testutil.NoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = discovery.List(ctx, discovery.Options{Consul: addr})
	if err == nil || !strings.Contains(err.Error(), addr) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("List: %v", err)
	}
}

func TestListRegistry(t *testing.T) {
	_, addr, c := registry(t)
	register(t, c, "book", "book-1", 8001)
	register(t, c, "gateway", "gw-1", 9001)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := discovery.List(ctx, discovery.Options{Consul: addr})
	if err != nil || ids(s) != "book/book-1,gateway/gw-1" {
		t.Fatalf("List: %q, %v", ids(s), err)
	}
}

func TestConsulHTTPAddr(t *testing.T) {
	_, addr, c := registry(t)
	register(t, c, "book", "book-1", 8001)
	t.Setenv("CONSUL_HTTP_ADDR", addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := discovery.List(ctx, discovery.Options{})
	if err != nil || s.Addr != addr || ids(s) != "book/book-1" {
		t.Fatalf("List: %+v, %v", s, err)
	}
}
