package etcd

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/internal/backoff"
	"github.com/kitbench/kitbench/kit/sd"
)

// RegistrarOptions configure a Registrar. The zero value registers under
// DefaultPrefix with a 10-second lease and every default below.
type RegistrarOptions struct {
	// Prefix is the key prefix to register under; a missing trailing
	// slash is added. Empty means DefaultPrefix.
	Prefix string
	// TTL is the lease's time to live, rounded up to whole seconds: a
	// process that dies leaves the registry within TTL. The lease is kept
	// alive about every TTL/3. Zero means 10 seconds.
	TTL time.Duration
	// Timeout bounds each request the Registrar makes, within Register
	// and Deregister as well as on its own after a lease was lost, so an
	// etcd that is down never holds a caller forever. Zero means 5
	// seconds.
	Timeout time.Duration
	// BackoffMin is the delay after a failed re-registration; it doubles
	// per consecutive failure up to BackoffMax, jittered to between half
	// and all of it. The first attempt after a loss is immediate. Zero
	// means 500 ms.
	BackoffMin time.Duration
	// BackoffMax caps the delay. Zero means 10 seconds.
	BackoffMax time.Duration
	// Logger receives lost leases and re-registrations. Nil means no
	// logging.
	Logger *slog.Logger
}

// RegistrarStatus is what a Registrar reports about itself.
type RegistrarStatus struct {
	Key   string // the instance's key
	Lease int64  // the current lease; 0 while not registered
	// Registered is true while the key is believed to be in etcd.
	Registered bool
	// ReRegistrations counts the times the lease was lost (revoked,
	// expired, or its keep-alive ended) and the instance registered again
	// under a new one.
	ReRegistrations uint64
	// Err is the last failure to register again, while not registered;
	// nil otherwise.
	Err error
}

// Registrar registers one instance in etcd under a lease it keeps alive,
// and registers it again under a new lease when that one is lost. Create it
// with NewRegistrar.
type Registrar struct {
	client LeaseClient
	key    string
	value  string
	svc    string
	id     string
	opts   RegistrarOptions
	log    *slog.Logger

	call sync.Mutex // serializes Register and Deregister

	mu     sync.Mutex
	status RegistrarStatus
	cancel context.CancelFunc
	done   chan struct{}
}

var _ sd.Registrar = (*Registrar)(nil)

// NewRegistrar prepares the registration of inst through c: its key is
// Key(opts.Prefix, inst) and its value the documented JSON. Nothing is sent
// until Register. It rejects an instance with no ID or Service, a '/' in
// either, an address that is not host:port, or an unknown Health (empty
// means passing).
func NewRegistrar(c LeaseClient, inst sd.Instance, opts RegistrarOptions) (*Registrar, error) {
	value, err := encode(inst)
	if err != nil {
		return nil, err
	}
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = 500 * time.Millisecond
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 10 * time.Second
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registrar{client: c, key: Key(opts.Prefix, inst), value: value, svc: inst.Service, id: inst.ID, opts: opts, log: log}
	r.status.Key = r.key
	return r, nil
}

// Register grants a lease, writes the instance under it and starts keeping
// it alive. Calling it again while registered writes the value again under
// the same lease.
func (r *Registrar) Register(ctx context.Context) error {
	r.call.Lock()
	defer r.call.Unlock()
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	r.mu.Lock()
	running, lease := r.cancel != nil, r.status.Lease
	r.mu.Unlock()
	if running && lease != 0 {
		if err := r.client.Put(ctx, r.key, r.value, lease); err != nil {
			return fmt.Errorf("etcd: register %s: %w", r.key, err)
		}
		return nil
	}
	if running { // the loop is registering again; let it
		return nil
	}
	lctx, stop := context.WithCancel(context.Background())
	lease, alive, err := r.grant(ctx, lctx)
	if err != nil {
		stop()
		return fmt.Errorf("etcd: register %s: %w", r.key, err)
	}
	r.mu.Lock()
	r.cancel, r.done = stop, make(chan struct{})
	r.status.Lease, r.status.Registered, r.status.Err = lease, true, nil
	go r.keep(lctx, alive, r.done)
	r.mu.Unlock()
	return nil
}

// grant creates a lease, writes the key under it and starts its
// keep-alive, which lives as long as life. On failure it revokes the lease
// it made.
func (r *Registrar) grant(ctx, life context.Context) (int64, <-chan struct{}, error) {
	lease, err := r.client.Grant(ctx, r.opts.TTL)
	if err != nil {
		return 0, nil, fmt.Errorf("grant a lease: %w", err)
	}
	if err = r.client.Put(ctx, r.key, r.value, lease); err == nil {
		var alive <-chan struct{}
		if alive, err = r.client.KeepAlive(life, lease); err == nil {
			return lease, alive, nil
		}
		err = fmt.Errorf("keep lease %x alive: %w", lease, err)
	} else {
		err = fmt.Errorf("put under lease %x: %w", lease, err)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.Timeout)
	defer cancel()
	_ = r.client.Revoke(rctx, lease) // best effort: unrevoked, it expires on its own
	return 0, nil, err
}

// keep waits for the keep-alive to end and then registers again under a
// new lease, retrying with backoff, until ctx ends.
func (r *Registrar) keep(ctx context.Context, alive <-chan struct{}, done chan struct{}) {
	defer close(done)
	for {
		for open := true; open; {
			select {
			case <-ctx.Done():
				return
			case _, open = <-alive:
			}
		}
		if ctx.Err() != nil {
			return
		}
		r.log.Warn("etcd: lease lost; registering again", "key", r.key)
		r.setStatus(func(s *RegistrarStatus) { s.Lease, s.Registered = 0, false })
		for n := 1; ; n++ {
			tctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
			lease, a, err := r.grant(tctx, ctx)
			cancel()
			if err == nil {
				alive = a
				r.setStatus(func(s *RegistrarStatus) {
					s.Lease, s.Registered, s.Err = lease, true, nil
					s.ReRegistrations++
				})
				r.log.Info("etcd: registered again", "key", r.key, "lease", lease)
				break
			}
			if ctx.Err() != nil {
				return
			}
			r.setStatus(func(s *RegistrarStatus) { s.Err = err })
			r.log.Warn("etcd: cannot register again", "key", r.key, "err", err)
			if !backoff.Sleep(ctx, backoff.Delay(r.opts.BackoffMin, r.opts.BackoffMax, n)) {
				return
			}
		}
	}
}

func (r *Registrar) setStatus(f func(*RegistrarStatus)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.status)
}

// Deregister stops keeping the lease alive, deletes the key and revokes
// the lease. Only the delete's error is returned: a lease left behind
// expires on its own and holds nothing once the key is gone.
func (r *Registrar) Deregister(ctx context.Context) error {
	r.call.Lock()
	defer r.call.Unlock()
	r.mu.Lock()
	cancel, done, lease := r.cancel, r.done, r.status.Lease
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	r.setStatus(func(s *RegistrarStatus) { s.Lease, s.Registered, s.Err = 0, false, nil })
	ctx, cancelReq := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancelReq()
	err := r.client.Delete(ctx, r.key)
	if lease != 0 {
		_ = r.client.Revoke(ctx, lease)
	}
	if err != nil {
		return fmt.Errorf("etcd: deregister %s: %w", r.key, err)
	}
	return nil
}

// Status reports the registration as it is now.
func (r *Registrar) Status() RegistrarStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// ReRegistrationsName is the name of the metric of Registrar.Collector.
const ReRegistrationsName = "kit_sd_reregistrations_total"

// Collector returns a Prometheus collector of one counter,
// kit_sd_reregistrations_total{registry="etcd",service,id}, that reads
// Status().ReRegistrations when scraped. The caller registers it, once, in
// the registry its /metrics serves.
func (r *Registrar) Collector() prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name:        ReRegistrationsName,
		Help:        "Times a registration was lost (lease revoked, expired or no longer kept alive) and made again.",
		ConstLabels: prometheus.Labels{"registry": "etcd", "service": r.svc, "id": r.id},
	}, func() float64 { return float64(r.Status().ReRegistrations) })
}
