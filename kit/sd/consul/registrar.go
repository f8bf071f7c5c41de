package consul

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd"
)

// ErrInvalidInstance is returned by NewRegistrar for an instance that
// cannot be registered (no ID or service, or an address that is not
// host:port).
var ErrInvalidInstance = errors.New("consul: invalid instance")

// RegistrarOptions configure a Registrar. The zero value registers a TTL
// check of 10 seconds kept passing by a heartbeat, and lets Consul remove
// the instance after a minute without one.
type RegistrarOptions struct {
	// TTL is the check's time to live; the heartbeat runs every TTL/3.
	// Zero means 10 seconds. Ignored when HTTPCheck is set.
	TTL time.Duration
	// HTTPCheck, when set, registers an HTTP check that the agent itself
	// polls at this URL instead of a TTL check, and no heartbeat runs.
	// Empty means a TTL check. (The dev registry accepts TTL checks only.)
	HTTPCheck string
	// CheckInterval is how often the agent polls HTTPCheck. Zero means
	// 10 seconds.
	CheckInterval time.Duration
	// DeregisterAfter is how long the check may stay critical before the
	// agent removes the instance, so a crashed process does not linger.
	// Zero means one minute; negative means never.
	DeregisterAfter time.Duration
	// Timeout bounds each request to the agent (register, deregister,
	// every heartbeat), whatever the context given, so that an agent that
	// accepts the connection and never answers yields an error wrapping
	// ErrUnresponsive instead of a hang. A heartbeat is also bounded by
	// its period, TTL/3. Zero means 5 seconds.
	Timeout time.Duration
	// Logger receives heartbeat failures and re-registrations. Nil means
	// no logging.
	Logger *slog.Logger
}

// Registrar registers one instance with the local Consul agent and keeps
// its TTL check passing. Create it with NewRegistrar.
type Registrar struct {
	client   Client
	reg      *api.AgentServiceRegistration
	checkID  string
	interval time.Duration // heartbeat period; 0 for HTTP checks
	timeout  time.Duration // bound of each request
	log      *slog.Logger

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

var _ sd.Registrar = (*Registrar)(nil)

// NewRegistrar prepares the registration of inst through c. Nothing is sent
// until Register.
func NewRegistrar(c Client, inst sd.Instance, opts RegistrarOptions) (*Registrar, error) {
	if inst.ID == "" || inst.Service == "" {
		return nil, fmt.Errorf("%w: ID and Service are required (got ID %q, Service %q)", ErrInvalidInstance, inst.ID, inst.Service)
	}
	host, portStr, err := net.SplitHostPort(inst.Address)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q: %w", ErrInvalidInstance, inst.Address, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("%w: address %q: bad port", ErrInvalidInstance, inst.Address)
	}
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Second
	}
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = 10 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = requestTimeout
	}
	if opts.DeregisterAfter == 0 {
		opts.DeregisterAfter = time.Minute
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registrar{client: c, checkID: "service:" + inst.ID, timeout: opts.Timeout, log: log}
	check := &api.AgentServiceCheck{CheckID: r.checkID, Name: "kit " + inst.Service}
	if opts.HTTPCheck != "" {
		check.HTTP = opts.HTTPCheck
		check.Interval = opts.CheckInterval.String()
		check.Timeout = min(opts.CheckInterval, 5*time.Second).String()
	} else {
		check.TTL = opts.TTL.String()
		check.Status = api.HealthPassing // Register is called once the service is ready
		r.interval = opts.TTL / 3
	}
	if opts.DeregisterAfter > 0 {
		check.DeregisterCriticalServiceAfter = opts.DeregisterAfter.String()
	}
	r.reg = &api.AgentServiceRegistration{
		ID: inst.ID, Name: inst.Service, Tags: inst.Tags, Meta: inst.Meta,
		Address: host, Port: port, Check: check,
	}
	return r, nil
}

// Register registers the instance and starts the heartbeat. Calling it
// again re-registers (Consul registration is idempotent) and keeps the one
// heartbeat. It returns within the Timeout option even if ctx has no
// deadline.
func (r *Registrar) Register(ctx context.Context) error {
	if err := r.register(ctx, r.timeout); err != nil {
		return fmt.Errorf("consul: register %s: %w", r.reg.ID, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.interval > 0 && r.cancel == nil {
		hctx, cancel := context.WithCancel(context.Background())
		r.cancel, r.done = cancel, make(chan struct{})
		go r.heartbeat(hctx, r.done)
	}
	return nil
}

// Deregister stops the heartbeat, waits for it, and removes the instance.
// It returns within the Timeout option even if ctx has no deadline.
func (r *Registrar) Deregister(ctx context.Context) error {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	dctx, cancelReq := context.WithTimeout(ctx, r.timeout)
	defer cancelReq()
	err := unresponsive(ctx, dctx, r.client.Deregister(dctx, r.reg.ID), "deregistration", r.timeout)
	if err != nil {
		return fmt.Errorf("consul: deregister %s: %w", r.reg.ID, err)
	}
	return nil
}

// register sends the registration, bounded by d.
func (r *Registrar) register(ctx context.Context, d time.Duration) error {
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return unresponsive(ctx, rctx, r.client.Register(rctx, r.reg), "registration", d)
}

// beat sends one heartbeat, bounded by d, and registers again when the
// agent has forgotten the check.
func (r *Registrar) beat(ctx context.Context, d time.Duration) error {
	bctx, cancel := context.WithTimeout(ctx, d)
	err := unresponsive(ctx, bctx, r.client.UpdateTTL(bctx, r.checkID, "", api.HealthPassing), "heartbeat", d)
	cancel()
	if !errors.Is(err, ErrUnknownCheck) {
		return err
	}
	if err = r.register(ctx, d); err == nil {
		r.log.Info("consul: re-registered after the agent forgot the instance", "id", r.reg.ID)
	}
	return err
}

// heartbeat keeps the TTL check passing. When the agent has forgotten the
// check (it restarted, or someone deregistered us) it registers again.
func (r *Registrar) heartbeat(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := r.beat(ctx, min(r.timeout, r.interval))
		if err != nil && ctx.Err() == nil {
			r.log.Warn("consul: heartbeat failed", "id", r.reg.ID, "err", err)
		}
	}
}
