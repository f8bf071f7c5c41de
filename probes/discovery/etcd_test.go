package discovery_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/etcdtest"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/etcd"
	"github.com/kitbench/kitbench/probes/discovery"
)

func TestEtcdSource(t *testing.T) {
	checkGoroutines(t)
	srv := etcdtest.Start(t)
	addr := srv.Addr
	conn, err := etcd.NewClient(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i, in := range []sd.Instance{
		{ID: "b1", Service: "book", Address: "127.0.0.1:9001", Meta: map[string]string{sd.MetaAdmin: "http://127.0.0.1:9101"}},
		{ID: "b2", Service: "book", Address: "127.0.0.1:9002", Health: sd.HealthCritical},
		{ID: "g1", Service: "gateway", Address: "127.0.0.1:9003"},
	} {
		r, err := etcd.NewRegistrar(conn, in, etcd.RegistrarOptions{TTL: time.Minute, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(t.Context()); err != nil {
			t.Fatalf("register %d: %v", i, err)
		}
		defer r.Deregister(t.Context()) // bounded by the Registrar's Timeout when etcd is gone
	}

	w, err := discovery.New(discovery.Options{Etcd: addr, BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	snap := waitSnap(t, w, "both services", func(s discovery.Snapshot) bool { return s.Ready && len(s.Services) == 2 })
	if snap.Source != "etcd at "+addr || snap.Addr != addr || snap.Stale {
		t.Fatalf("source %q addr %q stale %v", snap.Source, snap.Addr, snap.Stale)
	}
	book, _ := snap.Service("book")
	if got := ids(snap); got != "book/b1,book/b2,gateway/g1" || book.Instances[1].Health != sd.HealthCritical ||
		book.Instances[0].Meta[sd.MetaAdmin] != "http://127.0.0.1:9101" || !book.Known {
		t.Fatalf("book: %+v", book)
	}

	// etcd goes away: the last known set stays, marked stale.
	srv.Stop()
	snap = waitSnap(t, w, "stale after etcd stopped", func(s discovery.Snapshot) bool { return s.Stale && s.Err != nil })
	if len(snap.Services) != 2 || !snap.Services[0].Stale {
		t.Fatalf("services while etcd is down: %+v", snap.Services)
	}
}

func TestEtcdFromEnvironment(t *testing.T) {
	checkGoroutines(t)
	addr := etcdtest.Start(t).Addr
	t.Setenv("CONSUL_HTTP_ADDR", "")
	t.Setenv("ETCDCTL_ENDPOINTS", addr)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	snap, err := discovery.List(ctx, discovery.Options{})
	if err != nil || snap.Source != "etcd at "+addr {
		t.Fatalf("List with ETCDCTL_ENDPOINTS = %q, %v", snap.Source, err)
	}
	// An explicit Consul address, or CONSUL_HTTP_ADDR, wins over the
	// environment's etcd; naming both explicitly is an error.
	if _, err := discovery.New(discovery.Options{Etcd: addr, Consul: "127.0.0.1:1"}); !errors.Is(err, discovery.ErrNoSource) {
		t.Fatalf("Etcd and Consul: %v, want ErrNoSource", err)
	}
	t.Setenv("CONSUL_HTTP_ADDR", "127.0.0.1:1")
	w, err := discovery.New(discovery.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if src := w.Snapshot().Source; src != "registry at 127.0.0.1:1" {
		t.Fatalf("with CONSUL_HTTP_ADDR set: source %q", src)
	}
}

func waitSnap(t *testing.T, w *discovery.Watcher, what string, ok func(discovery.Snapshot) bool) discovery.Snapshot {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		if s := w.Snapshot(); ok(s) {
			return s
		}
		select {
		case <-w.Updates():
		case <-timeout:
			s := w.Snapshot()
			t.Fatalf("no snapshot with %s; last: %+v", what, s)
		}
	}
}
