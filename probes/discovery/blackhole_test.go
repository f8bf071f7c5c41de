package discovery_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/blackhole"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd/consul"
	"github.com/kitbench/kitbench/probes/discovery"
)

// A registry that accepts connections and never answers can only be made
// on demand with a fake listener (internal/blackhole); here it sits in front
// of a real dev registry, forwarding, then silent, then forwarding again.
// Without a bound on each query the watch waited forever, with no stale
// mark and no error.
func TestWatchBlackholedRegistry(t *testing.T) {
	testutil.NoLeaks(t)
	_, raddr, c := registry(t)
	register(t, c, "book", "book-1", 8001)
	hole := blackhole.New(t)
	hole.Forward(raddr)

	const wait, timeout = 200 * time.Millisecond, time.Second
	w, err := discovery.New(discovery.Options{Consul: hole.Addr(), Wait: wait, Timeout: timeout,
		BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	await(t, w, "book-1", func(s discovery.Snapshot) bool { return s.Ready && ids(s) == "book/book-1" })

	hole.Silence()
	start := time.Now()
	s := await(t, w, "the registry and the service marked stale", func(s discovery.Snapshot) bool {
		svc, _ := s.Service("book")
		return s.Stale && svc.Stale
	})
	t.Logf("stale %v after the registry went silent (wait %v, bound %v): %v", time.Since(start), wait, timeout, s.Err)
	svc, _ := s.Service("book")
	if !errors.Is(s.Err, consul.ErrUnresponsive) || !errors.Is(svc.Err, consul.ErrUnresponsive) {
		t.Fatalf("errors while silent: catalog %v, service %v; want ErrUnresponsive", s.Err, svc.Err)
	}
	if ids(s) != "book/book-1" {
		t.Fatalf("stale snapshot lost instances: %q", ids(s))
	}

	register(t, c, "book", "book-2", 8002) // unseen while silent
	hole.Forward(raddr)
	await(t, w, "both instances once the registry answers again", func(s discovery.Snapshot) bool {
		svc, _ := s.Service("book")
		return !s.Stale && s.Err == nil && !svc.Stale && ids(s) == "book/book-1,book/book-2"
	})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A one-shot List against a silent registry fails at the query's bound,
// naming the problem, instead of running into the caller's deadline.
func TestListBlackholedRegistry(t *testing.T) {
	testutil.NoLeaks(t)
	hole := blackhole.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := discovery.List(ctx, discovery.Options{Consul: hole.Addr(), Wait: 200 * time.Millisecond, Timeout: 500 * time.Millisecond})
	if !errors.Is(err, consul.ErrUnresponsive) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("List against a silent registry: %v, want ErrUnresponsive before the caller's deadline", err)
	}
}
