package lb_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
)

// backends maps an instance address to its behaviour and counts calls.
type backends struct {
	mu     sync.Mutex
	calls  map[string]int
	behave map[string]endpoint.Endpoint
	total  int
}

func newBackends() *backends {
	return &backends{calls: map[string]int{}, behave: map[string]endpoint.Endpoint{}}
}

func (b *backends) set(addr string, ep endpoint.Endpoint) {
	b.mu.Lock()
	b.behave[addr] = ep
	b.mu.Unlock()
}

func (b *backends) count(addr string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[addr]
}

func (b *backends) totalCalls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

func (b *backends) factory(inst sd.Instance) (endpoint.Endpoint, io.Closer, error) {
	addr := inst.Address
	return func(ctx context.Context, req any) (any, error) {
		b.mu.Lock()
		b.calls[addr]++
		b.total++
		ep := b.behave[addr]
		b.mu.Unlock()
		if ep == nil {
			return addr, nil
		}
		return ep(ctx, req)
	}, nil, nil
}

func addrs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("10.0.0.%d:%d", i/250+1, 8000+i)
	}
	return out
}

// fleet starts an Endpointer over n static instances; the test closes it.
func fleet(tb testing.TB, n int, f sd.Factory) *sd.Endpointer {
	tb.Helper()
	insts, err := sd.StaticInstances("book", addrs(n)...)
	if err != nil {
		tb.Fatal(err)
	}
	e := sd.NewEndpointer(sd.FixedInstancer(insts), f)
	tb.Cleanup(func() { _ = e.Close() })
	if err := e.Wait(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return e
}

// chanInstancer is an Instancer driven by the test.
type chanInstancer struct {
	mu sync.Mutex
	ch chan<- sd.Event
}

func (c *chanInstancer) Register(ch chan<- sd.Event) { c.mu.Lock(); c.ch = ch; c.mu.Unlock() }
func (c *chanInstancer) Deregister(chan<- sd.Event)  { c.mu.Lock(); c.ch = nil; c.mu.Unlock() }
func (c *chanInstancer) Stop()                       {}
func (c *chanInstancer) send(ev sd.Event) {
	c.mu.Lock()
	ch := c.ch
	c.mu.Unlock()
	ch <- ev
}
