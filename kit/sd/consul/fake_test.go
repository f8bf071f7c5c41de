package consul

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd"
)

type call struct {
	at      time.Time
	index   uint64
	wait    time.Duration
	tags    []string
	passing bool
}

// fakeClient is a programmable Client. answer decides each health query by
// its number (0-based); a nil answer blocks until ctx ends.
type fakeClient struct {
	mu     sync.Mutex
	calls  []call
	answer func(ctx context.Context, n int, c call) ([]*api.ServiceEntry, uint64, error)

	regs    []*api.AgentServiceRegistration
	regErr  error
	deregs  []string
	ttls    []time.Time
	ttlErr  func(n int) error
	ttlArgs []string
	// silent makes Register, Deregister and UpdateTTL wait for ctx to end,
	// like an agent that never answers.
	silent bool
}

// hang waits for ctx when the fake is silent, and says whether it did.
func (f *fakeClient) hang(ctx context.Context) (bool, error) {
	f.mu.Lock()
	silent := f.silent
	f.mu.Unlock()
	if !silent {
		return false, nil
	}
	<-ctx.Done()
	return true, ctx.Err()
}

func (f *fakeClient) setSilent(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.silent = v
}

func (f *fakeClient) Service(ctx context.Context, service string, tags []string, passing bool, index uint64, wait time.Duration) ([]*api.ServiceEntry, uint64, error) {
	c := call{at: time.Now(), index: index, wait: wait, tags: tags, passing: passing}
	f.mu.Lock()
	n := len(f.calls)
	f.calls = append(f.calls, c)
	answer := f.answer
	f.mu.Unlock()
	if answer == nil {
		<-ctx.Done()
		return nil, 0, ctx.Err()
	}
	return answer(ctx, n, c)
}

func (f *fakeClient) Register(ctx context.Context, r *api.AgentServiceRegistration) error {
	if hung, err := f.hang(ctx); hung {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.regs = append(f.regs, r)
	return f.regErr
}

func (f *fakeClient) Deregister(ctx context.Context, id string) error {
	if hung, err := f.hang(ctx); hung {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deregs = append(f.deregs, id)
	return nil
}

func (f *fakeClient) UpdateTTL(ctx context.Context, checkID, output, status string) error {
	if hung, err := f.hang(ctx); hung {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.ttls)
	f.ttls = append(f.ttls, time.Now())
	f.ttlArgs = append(f.ttlArgs, checkID+" "+status)
	if f.ttlErr != nil {
		return f.ttlErr(n)
	}
	return nil
}

func (f *fakeClient) snapshot() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// entries builds passing health entries for the given service IDs.
func entries(ids ...string) []*api.ServiceEntry {
	var out []*api.ServiceEntry
	for i, id := range ids {
		out = append(out, &api.ServiceEntry{
			Node:    &api.Node{Node: "n1", Address: "10.0.0.1"},
			Service: &api.AgentService{ID: id, Service: "svc", Port: 8000 + i},
			Checks:  api.HealthChecks{{Status: api.HealthPassing}},
		})
	}
	return out
}

// block waits for ctx like a query that never answers.
func block(ctx context.Context) ([]*api.ServiceEntry, uint64, error) {
	<-ctx.Done()
	return nil, 0, ctx.Err()
}

var errDown = errors.New("dial tcp 127.0.0.1:8500: connect: connection refused")

func ids(ev sd.Event) []string {
	var out []string
	for _, i := range ev.Instances {
		out = append(out, i.ID)
	}
	return out
}

// counts returns how many registrations, TTL updates and deregistrations
// the fake has seen.
func (f *fakeClient) counts() (regs, ttls, deregs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.regs), len(f.ttls), len(f.deregs)
}
