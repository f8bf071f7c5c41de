package discovery_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/etcdtest"
	"github.com/kitbench/kitbench/internal/testutil"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/etcd"
	"github.com/kitbench/kitbench/probes/discovery"
)

func TestEtcdSource(t *testing.T) {
	testutil.NoLeaks(t)
	srv := etcdtest.Start(t)
	addr := srv.Addr
	conn, err := etcd.NewClient(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	register := func(in sd.Instance) *etcd.Registrar {
		t.Helper()
		r, err := etcd.NewRegistrar(conn, in, etcd.RegistrarOptions{TTL: time.Minute, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(t.Context()); err != nil {
			t.Fatalf("register %s: %v", in.ID, err)
		}
		t.Cleanup(func() { _ = r.Deregister(t.Context()) }) // bounded by the Registrar's Timeout when etcd is gone
		return r
	}
	register(sd.Instance{ID: "b1", Service: "book", Address: "127.0.0.1:9001", Meta: map[string]string{sd.MetaAdmin: "http://127.0.0.1:9101"}})
	register(sd.Instance{ID: "b2", Service: "book", Address: "127.0.0.1:9002", Health: sd.HealthCritical})
	g1 := register(sd.Instance{ID: "g1", Service: "gateway", Address: "127.0.0.1:9003"})

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

	// Watch events arrive as deltas: the snapshot stays sorted, a
	// service whose last instance left is gone, and the others follow.
	register(sd.Instance{ID: "b0", Service: "book", Address: "127.0.0.1:9000"})
	if err := g1.Deregister(t.Context()); err != nil {
		t.Fatal(err)
	}
	register(sd.Instance{ID: "a1", Service: "audit", Address: "127.0.0.1:9004"})
	const after = "audit/a1,book/b0,book/b1,book/b2"
	snap = waitSnap(t, w, after, func(s discovery.Snapshot) bool { return ids(s) == after })
	if book, _ := snap.Service("book"); book.Instances[1].Meta[sd.MetaAdmin] != "http://127.0.0.1:9101" || book.Instances[2].Health != sd.HealthCritical {
		t.Fatalf("book after the deltas: %+v", book)
	}

	// etcd goes away: the last known set stays, marked stale.
	srv.Stop()
	snap = waitSnap(t, w, "stale after etcd stopped", func(s discovery.Snapshot) bool { return s.Stale && s.Err != nil })
	if len(snap.Services) != 2 || !snap.Services[0].Stale || ids(snap) != after {
		t.Fatalf("services while etcd is down: %+v", snap.Services)
	}
}

func TestEtcdFromEnvironment(t *testing.T) {
	testutil.NoLeaks(t)
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
