package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

// DefaultRegistryAddr is where the demo looks for a registry, and starts
// one if none answers: Consul's default address.
const DefaultRegistryAddr = devregistry.DefaultAddr

// Options configure a demo fleet. The zero value runs the standard demo.
type Options struct {
	// RegistryAddr is host:port of the registry to use; empty means
	// DefaultRegistryAddr. When nothing answers there, the demo starts an
	// embedded dev registry on it.
	RegistryAddr string
	// Etcd, when set, runs the fleet on etcd at these comma-separated
	// endpoints instead of a Consul-API registry: every instance registers
	// there (kit/sd/etcd's layout) and the gateway finds the Book service
	// there; RegistryAddr is ignored and no dev registry is started. Empty
	// means the registry at RegistryAddr.
	Etcd string
	// Seed fixes the misbehaviour schedule; zero means one from the clock.
	Seed int64
	// Phases, when any is set, are the schedule's phase lengths (per
	// Phase) instead of those NewSchedule draws from Seed, e.g. a short
	// cycle for a test. All zero means NewSchedule's.
	Phases [4]time.Duration
	// Quiet runs no fault script: no instance misbehaves, and faults come
	// only from whoever sets them (kitbench fault, the dashboard). False
	// runs the script on the last Book instance.
	Quiet bool
	// Books is the number of Book instances; zero means 3. Unless Quiet,
	// the last one misbehaves.
	Books int
	// Rate is the traffic generator's steady rate in requests per second;
	// zero means DefaultRate, negative means no traffic.
	Rate float64
	// Logger receives the fleet's own messages; nil discards them. The
	// services' per-call logs are never written (they would drown the
	// dashboard), but every call is traced.
	Logger *slog.Logger
}

// Fleet is a running demo.
type Fleet struct {
	// Registry is the registry's host:port (etcd's endpoints when OnEtcd);
	// OwnRegistry says whether the demo started it (otherwise one already
	// answered there).
	Registry    string
	OwnRegistry bool
	// OnEtcd is true when the fleet runs on etcd (Options.Etcd).
	OnEtcd  bool
	Books   []*bookstore.Instance
	Gateway *gateway.Instance
	// Schedule is the misbehaving instance's cycle; the zero Schedule
	// (always healthy) when Quiet.
	Schedule Schedule
	// Misbehaving is the id of the Book instance whose fault controls the
	// fault script sets as Schedule goes; empty when Quiet.
	Misbehaving string

	log      *slog.Logger
	registry *devregistry.Registry
	etcd     *onEtcd // nil unless OnEtcd
	traffic  *traffic
	script   *script // nil when Quiet
}

// Start runs a fleet. On error, everything it started is stopped.
func Start(ctx context.Context, opts Options) (_ *Fleet, err error) {
	if opts.RegistryAddr == "" {
		opts.RegistryAddr = DefaultRegistryAddr
	}
	if opts.Books == 0 {
		opts.Books = 3
	}
	if opts.Seed == 0 {
		opts.Seed = time.Now().UnixNano()
	}
	f := &Fleet{Registry: opts.RegistryAddr, log: opts.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	defer func() {
		if err != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = f.Close(cctx)
		}
	}()
	if opts.Etcd != "" {
		err = f.useEtcd(ctx, opts.Etcd)
	} else {
		err = f.ensureRegistry(ctx)
	}
	if err != nil {
		return nil, err
	}
	registry := f.Registry
	if f.OnEtcd {
		registry = "" // each instance is registered in etcd below
	}

	store := bookstore.NewStore()
	seedBooks(ctx, store)
	quiet := slog.New(slog.DiscardHandler)
	for i := range opts.Books {
		cfg := bookstore.Config{
			InstanceID:    fmt.Sprintf("%s-%d", bookstore.ServiceName, i+1),
			Service:       store, // one store behind the fleet, as a shared database would be
			Registry:      registry,
			Controls:      &introspect.ControlPolicy{}, // loopback only: kitbench fault, breaker, limit, drain
			TraceSampling: 1,
			Logger:        quiet,
		}
		inst, err := bookstore.Start(cfg)
		if err != nil {
			return nil, err
		}
		f.Books = append(f.Books, inst)
		if f.etcd != nil {
			if err := f.etcd.register(ctx, bookInstance(inst)); err != nil {
				return nil, err
			}
		}
	}
	gcfg := gateway.Config{
		InstanceID:    gateway.ServiceName + "-1",
		Registry:      registry,
		Controls:      &introspect.ControlPolicy{},
		TraceSampling: 1,
		Logger:        quiet,
		RateLimit:     GatewayRate,
		Burst:         GatewayBurst,
		Outlier:       outlierConfig(),
	}
	if f.etcd != nil {
		gcfg.Instancer = f.etcd.instancer
	}
	f.Gateway, err = gateway.Start(gcfg)
	if err != nil {
		return nil, err
	}
	if f.etcd != nil {
		if err := f.etcd.register(ctx, gatewayInstance(f.Gateway)); err != nil {
			return nil, err
		}
	}
	if !opts.Quiet {
		if err := f.misbehave(opts); err != nil {
			return nil, err
		}
	}
	if opts.Rate >= 0 {
		rate := opts.Rate
		if rate == 0 {
			rate = DefaultRate
		}
		f.traffic, err = startTraffic("http://"+f.Gateway.HTTPAddr, f.Gateway.GRPCAddr, rate, opts.Seed)
		if err != nil {
			return nil, err
		}
	}
	schedule := "none (quiet)"
	if f.script != nil {
		schedule = f.Schedule.String()
	}
	f.log.Info("demo fleet running", "registry", f.Registry, "own_registry", f.OwnRegistry, "etcd", f.OnEtcd,
		"misbehaving", f.Misbehaving, "fault_script", schedule)
	return f, nil
}

// misbehave starts the fault script on the last Book instance, its
// schedule from now on.
func (f *Fleet) misbehave(opts Options) error {
	f.Schedule = NewSchedule(time.Now(), opts.Seed)
	if opts.Phases != [4]time.Duration{} {
		f.Schedule.Durations = opts.Phases
	}
	bad := f.Books[len(f.Books)-1]
	s, err := startScript(f.Schedule, bad.AdminAddr, f.log)
	if err != nil {
		return err
	}
	f.script, f.Misbehaving = s, bad.InstanceID
	return nil
}

// ensureRegistry uses the registry at f.Registry, or starts one there.
func (f *Fleet) ensureRegistry(ctx context.Context) error {
	switch err := probeRegistry(ctx, f.Registry); {
	case err == nil:
		return nil
	case !errors.Is(err, errNothingThere):
		return err
	}
	ln, err := devregistry.Listen(f.Registry)
	if err != nil {
		return fmt.Errorf("demo: cannot start the dev registry: %w (pass --registry-addr to use another address)", err)
	}
	f.registry = devregistry.New(devregistry.Options{})
	f.OwnRegistry = true
	f.Registry = ln.Addr().String()
	go func() { _ = f.registry.Serve(ln) }()
	return nil
}

var errNothingThere = errors.New("nothing listens there")

// probeRegistry asks addr for Consul's leader, which Consul and the dev
// registry both answer.
func probeRegistry(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v1/status/leader", nil)
	if err != nil {
		return fmt.Errorf("demo: registry address %q: %w", addr, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return errNothingThere
		}
		return fmt.Errorf("demo: %s answers, but not like a registry: %w", addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("demo: %s answers %s to a registry request; is something else listening there? (pass --registry-addr)", addr, resp.Status)
	}
	return nil
}

// seedBooks fills the store with a few books, so reads have something to
// find from the first second.
func seedBooks(ctx context.Context, s *bookstore.Store) {
	for _, b := range []bookstore.Book{
		{Title: "The Go Programming Language", Author: "Alan Donovan, Brian Kernighan", Year: 2015},
		{Title: "Designing Data-Intensive Applications", Author: "Martin Kleppmann", Year: 2017},
		{Title: "Site Reliability Engineering", Author: "Betsy Beyer et al.", Year: 2016},
		{Title: "Release It!", Author: "Michael Nygard", Year: 2018},
		{Title: "Building Microservices", Author: "Sam Newman", Year: 2021},
	} {
		_, _ = s.CreateBook(ctx, b)
	}
}

// Close stops the traffic and the fault script, then the gateway and the Book instances
// together (each leaves the registry first, then finishes its in-flight
// calls and ends its event streams), and last, if the demo started it, the
// registry. The instances stop concurrently, so Ctrl-C takes as long as
// the slowest of them, not their sum.
func (f *Fleet) Close(ctx context.Context) error {
	if f.traffic != nil {
		f.traffic.stop()
	}
	if f.script != nil {
		f.script.stop()
	}
	type stopper struct {
		id       string
		shutdown func(context.Context) error
	}
	var all []stopper
	if f.Gateway != nil {
		all = append(all, stopper{f.Gateway.InstanceID, f.Gateway.Shutdown})
	}
	for _, b := range f.Books {
		all = append(all, stopper{b.InstanceID, b.Shutdown})
	}
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, s := range all {
		wg.Go(func() {
			err := f.deregister(ctx, s.id)
			errs[i] = errors.Join(err, s.shutdown(ctx))
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%s: %w", s.id, errs[i])
			}
		})
	}
	wg.Wait()
	if f.etcd != nil {
		if err := f.etcd.close(); err != nil {
			errs = append(errs, fmt.Errorf("etcd: %w", err))
		}
	}
	if f.registry != nil {
		if err := f.registry.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("registry: %w", err))
		}
	}
	return errors.Join(errs...)
}

// deregister removes an instance from etcd before it stops serving; with
// a Consul-API registry the instance does that itself.
func (f *Fleet) deregister(ctx context.Context, id string) error {
	if f.etcd == nil {
		return nil
	}
	return f.etcd.deregister(ctx, id)
}

// Addresses lists where everything listens, for people and scripts.
type Addresses struct {
	Registry    string         `json:"registry"`
	OwnRegistry bool           `json:"own_registry"`
	Etcd        bool           `json:"etcd,omitempty"` // Registry is etcd's endpoints
	Instances   []InstanceAddr `json:"instances"`
}

// InstanceAddr is one instance's listeners.
type InstanceAddr struct {
	Service string `json:"service"`
	ID      string `json:"id"`
	HTTP    string `json:"http"`
	GRPC    string `json:"grpc"`
	Admin   string `json:"admin"` // base URL
	Note    string `json:"note,omitempty"`
}

// Addresses returns where the fleet listens.
func (f *Fleet) Addresses() Addresses {
	a := Addresses{Registry: f.Registry, OwnRegistry: f.OwnRegistry, Etcd: f.OnEtcd}
	for _, b := range f.Books {
		ia := InstanceAddr{Service: bookstore.ServiceName, ID: b.InstanceID, HTTP: b.HTTPAddr, GRPC: b.GRPCAddr, Admin: "http://" + b.AdminAddr}
		if b.InstanceID == f.Misbehaving {
			ia.Note = "misbehaves: " + f.Schedule.String() + "; kitbench fault list " + bookstore.ServiceName + "/" + b.InstanceID
		}
		a.Instances = append(a.Instances, ia)
	}
	if g := f.Gateway; g != nil {
		a.Instances = append(a.Instances, InstanceAddr{Service: gateway.ServiceName, ID: g.InstanceID, HTTP: g.HTTPAddr, GRPC: g.GRPCAddr, Admin: "http://" + g.AdminAddr})
	}
	return a
}

// String renders the addresses one per line.
func (a Addresses) String() string {
	var b strings.Builder
	own := "already running"
	switch {
	case a.Etcd:
		own = "etcd"
	case a.OwnRegistry:
		own = "dev registry, started by the demo"
	}
	fmt.Fprintf(&b, "registry  %s (%s)\n", a.Registry, own)
	for _, i := range a.Instances {
		fmt.Fprintf(&b, "%-9s %s  http %s  grpc %s  admin %s", i.Service, i.ID, i.HTTP, i.GRPC, i.Admin)
		if i.Note != "" {
			fmt.Fprintf(&b, "  (%s)", i.Note)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
