package discovery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/internal/backoff"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
)

// Query pacing: a churning registry costs at most this many catalog (and
// per-service) queries per second, while a single change is seen at once.
const (
	queryEvery = 100 * time.Millisecond
	queryBurst = 10
)

// catalogWatch follows the registry's catalog of services and runs one
// kit/sd/consul Instancer per service.
type catalogWatch struct {
	w        *Watcher
	client   *api.Client
	opts     Options
	services map[string]*serviceWatch
	// newInstancer, when set, replaces the consul Instancer of a service
	// (tests).
	newInstancer func(name string) instancer
}

// instancer is what a serviceWatch uses of kit/sd/consul's Instancer.
type instancer interface {
	Register(ch chan<- sd.Event)
	Deregister(ch chan<- sd.Event)
	Stop()
}

type serviceWatch struct {
	inst instancer
	ch   chan sd.Event
	quit chan struct{}
	done chan struct{}
}

func (c *catalogWatch) run(ctx context.Context) {
	defer c.stopAll()
	lim := rate.NewLimiter(rate.Every(queryEvery), queryBurst)
	var index uint64
	failures := 0
	for {
		if lim.Wait(ctx) != nil {
			return
		}
		names, meta, err := c.query(ctx, index)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
			c.w.update(func(s *Snapshot) { s.Err, s.Stale = err, true })
			if !backoff.Sleep(ctx, backoff.Delay(c.opts.BackoffMin, c.opts.BackoffMax, failures)) {
				return
			}
			continue
		}
		failures = 0
		// An index that goes backwards resets the wait; never wait on 0.
		if meta.LastIndex < index {
			index = 0
		} else {
			index = meta.LastIndex
		}
		index = max(index, 1)
		c.sync(ctx, names)
	}
}

// query runs one catalog query, bounded by the Timeout option: a registry
// that never answers is an error wrapping consul.ErrUnresponsive.
func (c *catalogWatch) query(ctx context.Context, index uint64) (map[string][]string, *api.QueryMeta, error) {
	qctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	q := (&api.QueryOptions{WaitIndex: index, WaitTime: c.opts.Wait}).WithContext(qctx)
	names, meta, err := c.client.Catalog().Services(q)
	if err != nil && ctx.Err() == nil && errors.Is(qctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%w: catalog query: no answer within %v (a hung registry, or a network dropping packets): %w",
			consul.ErrUnresponsive, c.opts.Timeout, err)
	}
	return names, meta, err
}

// sync starts watches for new services and stops those that left. The
// snapshot lists a new service before its watch starts: the watch's first
// event, which can come at once, finds the service's entry to fill in
// (were it dropped, the service would stay unknown until its next change,
// and List would time out).
func (c *catalogWatch) sync(ctx context.Context, names map[string][]string) {
	for name := range c.services {
		if _, ok := names[name]; !ok {
			c.stop(name)
		}
	}
	c.w.mu.Lock()
	c.w.answered = true
	c.w.mu.Unlock()
	c.w.update(func(s *Snapshot) {
		s.Err, s.Stale = nil, false
		out := make([]Service, 0, len(names))
		for name := range names {
			if old, ok := s.Service(name); ok {
				out = append(out, old)
			} else {
				out = append(out, Service{Name: name})
			}
		}
		slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.Name, b.Name) })
		s.Services = out
	})
	for name := range names {
		if _, ok := c.services[name]; !ok {
			c.start(ctx, name)
		}
	}
}

func (c *catalogWatch) start(ctx context.Context, name string) {
	var inst instancer
	if c.newInstancer != nil {
		inst = c.newInstancer(name)
	} else {
		inst = consul.NewInstancer(consul.Wrap(c.client), name, consul.InstancerOptions{
			IncludeUnhealthy: true,
			Wait:             c.opts.Wait,
			Timeout:          c.opts.Timeout,
			RateEvery:        queryEvery,
			RateBurst:        queryBurst,
			BackoffMin:       c.opts.BackoffMin,
			BackoffMax:       c.opts.BackoffMax,
		})
	}
	sw := &serviceWatch{
		inst: inst,
		ch:   make(chan sd.Event, 1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	c.services[name] = sw
	go func() {
		defer close(sw.done)
		var set []sd.Instance // the service's instances, after every event
		for {
			select {
			case <-sw.quit:
				return
			case <-ctx.Done():
				return
			case ev := <-sw.ch:
				set = ev.Apply(set)
				c.w.update(func(s *Snapshot) {
					i := slices.IndexFunc(s.Services, func(x Service) bool { return x.Name == name })
					if i < 0 {
						return // left the catalog meanwhile
					}
					s.Services[i] = Service{Name: name, Instances: set, Stale: ev.Stale, Err: ev.Err, Known: true}
				})
			}
		}
	}()
	sw.inst.Register(sw.ch) // its first event may come at once
}

func (c *catalogWatch) stop(name string) {
	sw := c.services[name]
	delete(c.services, name)
	sw.inst.Deregister(sw.ch)
	close(sw.quit)
	<-sw.done
	sw.inst.Stop()
}

func (c *catalogWatch) stopAll() {
	for name := range c.services {
		c.stop(name)
	}
}
