package fleetsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

// Defaults of Options.
const (
	DefaultService     = "sim"
	DefaultPerListener = 50
	DefaultRate        = 2.0
	DefaultEndpoints   = 3
)

// Options configure a Fleet. The zero value is one instance of service
// "sim" with default traffic, registered in a registry of the fleet's own.
type Options struct {
	// N is the number of instances. Zero or less means 1.
	N int
	// Service names the instances' service. Empty means "sim". With
	// Services above 1 the instances are spread round-robin over
	// Service-0, Service-1, …
	Service  string
	Services int
	// PerListener is how many instances share one admin listener, told
	// apart by path. Zero means DefaultPerListener (50); 1 gives every
	// instance a listener of its own.
	PerListener int
	// Registry is the address of a devregistry (or Consul agent) to
	// register in. Empty means a devregistry of the fleet's own on a free
	// loopback port (see RegistryAddr).
	Registry string
	// Rate is each instance's background traffic in calls per second,
	// spread over its endpoints. Zero means DefaultRate (2); negative
	// means no traffic.
	Rate float64
	// FailEvery makes every FailEvery-th call of an instance fail (a 500),
	// a background failure ratio of 1/FailEvery. Zero means none.
	FailEvery int
	// Endpoints is how many endpoints each instance serves, 1 to 4. Zero
	// means DefaultEndpoints (3).
	Endpoints int
}

// Fleet is a running simulated fleet. Start one with Start and stop it
// with Close. Its methods are safe for concurrent use.
type Fleet struct {
	opts    Options
	ownReg  *devregistry.Registry // nil with Options.Registry
	regAddr string
	consul  *api.Client
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the traffic driver
	// accepted counts connections the admin listeners accepted: a
	// watcher that reuses its connections keeps it flat.
	accepted atomic.Uint64
	served   map[string]*atomic.Uint64 // requests by resource path

	mu     sync.Mutex
	insts  []*instance // in order of creation; churn removes from the front
	lns    []*listener
	nextID int
	closed bool
}

// Start builds and registers the fleet and starts its traffic.
func Start(opts Options) (*Fleet, error) {
	opts = withDefaults(opts)
	if err := raiseFileLimit(opts); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Fleet{opts: opts, ctx: ctx, cancel: cancel, regAddr: opts.Registry, served: newServed()}
	if f.regAddr == "" {
		ln, err := devregistry.Listen("127.0.0.1:0")
		if err != nil {
			cancel()
			return nil, fmt.Errorf("fleetsim: registry: %w", err)
		}
		f.ownReg = devregistry.New(devregistry.Options{Addr: ln.Addr().String(), MaxBlockingQueries: -1})
		go func() { _ = f.ownReg.Serve(ln) }() // returns on Close
		f.regAddr = ln.Addr().String()
	}
	c, err := api.NewClient(&api.Config{Address: f.regAddr, Transport: &http.Transport{MaxIdleConnsPerHost: 16}})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fleetsim: registry client: %w", err)
	}
	f.consul = c
	for range opts.N {
		if err := f.add(); err != nil {
			f.Close()
			return nil, err
		}
	}
	if opts.Rate > 0 {
		f.wg.Add(1)
		go f.drive()
	}
	return f, nil
}

func withDefaults(o Options) Options {
	o.N = max(o.N, 1)
	if o.Service == "" {
		o.Service = DefaultService
	}
	if o.PerListener <= 0 {
		o.PerListener = DefaultPerListener
	}
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.Endpoints <= 0 {
		o.Endpoints = DefaultEndpoints
	}
	return o
}

// RegistryAddr is the host:port of the registry the instances are in.
func (f *Fleet) RegistryAddr() string { return f.regAddr }

// Len is the number of instances now.
func (f *Fleet) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.insts)
}

// IDs returns the instances' ids, oldest first.
func (f *Fleet) IDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.insts))
	for i, in := range f.insts {
		out[i] = in.id
	}
	return out
}

// Listeners is the number of admin listeners serving the fleet.
func (f *Fleet) Listeners() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.lns)
}

// Calls is the number of calls the traffic has made so far, fleet-wide.
func (f *Fleet) Calls() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n uint64
	for _, in := range f.insts {
		n += in.calls.Load()
	}
	return n
}

// Accepted is the number of connections the admin listeners have
// accepted so far: what a watcher dialled.
func (f *Fleet) Accepted() uint64 { return f.accepted.Load() }

// Served is the number of requests the instances answered for resource,
// a path under an instance's admin base without its leading slash:
// "metrics", "debug/kit/v1/red", "debug/kit/v1/info", "debug/kit/v1/breakers",
// "debug/kit/v1/limiters" or "debug/kit/v1/events". Other paths count zero.
func (f *Fleet) Served(resource string) uint64 {
	if c := f.served[resource]; c != nil {
		return c.Load()
	}
	return 0
}

// add creates, serves and registers one instance.
func (f *Fleet) add() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return errors.New("fleetsim: fleet is closed")
	}
	id := fmt.Sprintf("sim-%05d", f.nextID)
	svc := f.opts.Service
	if f.opts.Services > 1 {
		svc += "-" + strconv.Itoa(f.nextID%f.opts.Services)
	}
	f.nextID++
	f.mu.Unlock()
	in, err := newInstance(svc, id, f.opts.Endpoints)
	if err != nil {
		return err
	}
	ln, err := f.place(in)
	if err != nil {
		in.close()
		return err
	}
	host, port, _ := net.SplitHostPort(ln.addr)
	p, _ := strconv.Atoi(port)
	err = f.consul.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: id, Name: svc, Address: host, Port: p,
		Meta: map[string]string{sd.MetaAdmin: "http://" + ln.addr + "/i/" + id},
	})
	if err != nil {
		f.unplace(in)
		in.close()
		return fmt.Errorf("fleetsim: registering %s at %s: %w", id, f.regAddr, err)
	}
	f.mu.Lock()
	f.insts = append(f.insts, in)
	f.mu.Unlock()
	return nil
}

// remove deregisters and stops one instance.
func (f *Fleet) remove(in *instance) error {
	err := f.consul.Agent().ServiceDeregister(in.id)
	f.unplace(in)
	in.close()
	if err != nil {
		return fmt.Errorf("fleetsim: deregistering %s: %w", in.id, err)
	}
	return nil
}

// Churn replaces the k oldest instances with k new ones: the old are
// deregistered and stop answering, the new are registered with new ids.
func (f *Fleet) Churn(k int) error {
	f.mu.Lock()
	k = min(k, len(f.insts))
	gone := slices.Clone(f.insts[:k])
	f.insts = slices.Delete(f.insts, 0, k)
	f.mu.Unlock()
	var errs []error
	for _, in := range gone {
		errs = append(errs, f.remove(in))
	}
	for range k {
		errs = append(errs, f.add())
	}
	return errors.Join(errs...)
}

// Trip makes the instance with the given id fail every call for d, long
// enough for its breaker (5 consecutive failures) to open under traffic.
// It reports whether the instance exists.
func (f *Fleet) Trip(id string, d time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range f.insts {
		if in.id == id {
			in.failing.Store(true)
			time.AfterFunc(d, func() { in.failing.Store(false) })
			return true
		}
	}
	return false
}

// Close stops the traffic, deregisters every instance from an external
// registry (the fleet's own registry is shut down instead), ends every
// stream, closes every listener and waits for all of it.
func (f *Fleet) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	insts, lns := f.insts, f.lns
	f.insts, f.lns = nil, nil
	f.mu.Unlock()
	f.cancel()
	f.wg.Wait()
	var errs []error
	for _, in := range insts {
		if f.ownReg == nil && f.consul != nil {
			errs = append(errs, f.consul.Agent().ServiceDeregister(in.id))
		}
		in.close()
	}
	for _, l := range lns {
		errs = append(errs, l.close())
	}
	if f.ownReg != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		errs = append(errs, f.ownReg.Shutdown(ctx))
		cancel()
	}
	return errors.Join(errs...)
}
