package discovery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
)

// ErrNoSource is returned by New for options that name no usable source
// (a bad static target, say).
var ErrNoSource = errors.New("discovery: no usable source")

// StaticService is the service name given to instances from static
// targets, until introspection tells their real one.
const StaticService = "static"

// Options choose and tune the source. The zero value watches the Consul
// agent (or dev registry) named by CONSUL_HTTP_ADDR, else etcd at
// ETCDCTL_ENDPOINTS if that is set, else the registry at 127.0.0.1:8500.
type Options struct {
	// Consul is the registry address, "host:port" or a URL. Empty means
	// CONSUL_HTTP_ADDR, else 127.0.0.1:8500 (Consul's own defaults;
	// CONSUL_HTTP_TOKEN and the other standard variables apply too).
	Consul string
	// Etcd, when set, watches etcd at these comma-separated endpoints
	// instead of a Consul-API registry (kit/sd/etcd's layout). Empty means
	// ETCDCTL_ENDPOINTS when neither Consul, Targets nor CONSUL_HTTP_ADDR
	// is set, else no etcd. Setting both Etcd and Consul is an error.
	Etcd string
	// EtcdPrefix is the key prefix services are registered under in etcd.
	// Empty means kit/sd/etcd's DefaultPrefix, "/kit/services/".
	EtcdPrefix string
	// Targets, when not empty, replace the registry with a fixed list of
	// instances: each is the host:port (or URL) of an instance's admin
	// listener. Nil means use the registry.
	Targets []string
	// Wait is the blocking-query wait time. Zero means 30 seconds.
	Wait time.Duration
	// Timeout bounds each registry query, so that a registry that accepts
	// connections and never answers is reported (Stale, with an Err
	// wrapping consul.ErrUnresponsive) instead of freezing the watch. Zero
	// means consul.QueryTimeout(Wait): Wait + Wait/16 + 5 s. A value below
	// Wait + Wait/16 is raised to that.
	Timeout time.Duration
	// BackoffMin and BackoffMax bound the jittered retry delay after a
	// registry error. Zero means 250 ms and 5 s.
	BackoffMin, BackoffMax time.Duration
}

// Service is one service and its instances as last reported.
type Service struct {
	Name string `json:"name"`
	// Instances are sorted by ID; they are shared and must not be
	// modified.
	Instances []sd.Instance `json:"instances"`
	// Stale is true when the last query for this service failed: the
	// instances are the last known ones and Err says why.
	Stale bool  `json:"stale,omitempty"`
	Err   error `json:"-"`
	// Known is false until the service's first answer (or error).
	Known bool `json:"-"`
}

// Snapshot is the whole instance set at one moment. It is immutable: the
// Watcher never changes a Snapshot it has handed out.
type Snapshot struct {
	// Source describes where the set comes from, for people:
	// "registry at 127.0.0.1:8500", "etcd at 127.0.0.1:2379" or "static
	// targets".
	Source string
	// Addr is the registry address tried (etcd's endpoints, comma-
	// separated); empty for static targets.
	Addr string
	// Services are sorted by name.
	Services []Service
	// Err is the registry's last error, nil when its last answer was
	// good. With Err set, Stale is true and Services is the last known
	// set (empty if nothing was ever known).
	Err   error
	Stale bool
	// Ready is true once the source has answered (or failed) and every
	// service in it has answered (or failed) at least once.
	Ready bool
	// Seq increases with every change.
	Seq uint64
}

// Instances returns every instance of every service, in service order.
func (s Snapshot) Instances() []sd.Instance {
	var out []sd.Instance
	for _, svc := range s.Services {
		out = append(out, svc.Instances...)
	}
	return out
}

// Service returns the service called name.
func (s Snapshot) Service(name string) (Service, bool) {
	i, ok := slices.BinarySearchFunc(s.Services, name, func(a Service, n string) int { return strings.Compare(a.Name, n) })
	if !ok {
		return Service{}, false
	}
	return s.Services[i], true
}

// Watcher reports the instance set of a source as it changes. Create it
// with New and stop it with Close.
type Watcher struct {
	updates chan Snapshot
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closeFn func() // releases the source's resources after the goroutines end
	once    sync.Once

	mu       sync.Mutex
	state    Snapshot
	answered bool // the source has answered at least once
}

// New starts watching the source opts names. It does not wait for the
// first answer: a registry that is down is reported through Snapshot.Err,
// not as an error here.
func New(opts Options) (*Watcher, error) {
	if opts.Wait <= 0 {
		opts.Wait = 30 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = consul.QueryTimeout(opts.Wait)
	}
	opts.Timeout = max(opts.Timeout, opts.Wait+opts.Wait/16)
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = 250 * time.Millisecond
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 5 * time.Second
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{updates: make(chan Snapshot, 1), cancel: cancel, closeFn: func() {}}
	if len(opts.Targets) > 0 {
		inst, err := staticInstances(opts.Targets)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("%w: %w", ErrNoSource, err)
		}
		w.answered = true
		w.state = Snapshot{Source: "static targets", Ready: true, Seq: 1,
			Services: []Service{{Name: StaticService, Instances: inst, Known: true}}}
		w.updates <- w.state
		return w, nil
	}
	if eps := etcdEndpoints(opts); eps != "" {
		if opts.Consul != "" {
			cancel()
			return nil, fmt.Errorf("%w: both etcd (%s) and Consul (%s) named: choose one", ErrNoSource, eps, opts.Consul)
		}
		if err := w.watchEtcd(ctx, eps, opts); err != nil {
			cancel()
			return nil, err
		}
		return w, nil
	}
	cfg := api.DefaultConfig()
	if opts.Consul != "" {
		cfg.Address = opts.Consul
	}
	tr := cfg.Transport
	client, err := api.NewClient(cfg)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%w: registry %q: %w", ErrNoSource, cfg.Address, err)
	}
	w.state = Snapshot{Source: "registry at " + cfg.Address, Addr: cfg.Address}
	if tr != nil {
		w.closeFn = tr.CloseIdleConnections
	}
	cw := &catalogWatch{w: w, client: client, opts: opts, services: map[string]*serviceWatch{}}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		cw.run(ctx)
	}()
	return w, nil
}

// staticInstances turns admin addresses into instances of StaticService.
func staticInstances(targets []string) ([]sd.Instance, error) {
	addrs := make([]string, len(targets))
	for i, t := range targets {
		addrs[i] = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(t), "http://"), "https://")
		addrs[i] = strings.TrimRight(addrs[i], "/")
	}
	inst, err := sd.StaticInstances(StaticService, addrs...)
	if err != nil {
		return nil, err
	}
	for i := range inst {
		base := "http://" + inst[i].Address
		if strings.HasPrefix(strings.TrimSpace(targets[i]), "https://") {
			base = "https://" + inst[i].Address
		}
		inst[i].Meta = map[string]string{sd.MetaAdmin: base}
	}
	return inst, nil
}

// Updates delivers the newest Snapshot after each change. It holds at most
// one: a reader that falls behind gets the latest state, never a backlog.
// It is closed by Close.
func (w *Watcher) Updates() <-chan Snapshot { return w.updates }

// Snapshot returns the current state.
func (w *Watcher) Snapshot() Snapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state
}

// Close stops watching, waits for every goroutine of the Watcher, and
// closes Updates. It is idempotent.
func (w *Watcher) Close() error {
	w.once.Do(func() {
		w.cancel()
		w.wg.Wait()
		w.closeFn()
		w.mu.Lock()
		close(w.updates)
		w.mu.Unlock()
	})
	return nil
}

// update changes the state with f and publishes the result, replacing an
// unread older one.
func (w *Watcher) update(f func(s *Snapshot)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	next := w.state
	next.Services = slices.Clone(next.Services)
	f(&next)
	next.Seq++
	next.Ready = next.Err != nil || (w.answered && allKnown(next.Services))
	w.state = next
	select {
	case <-w.updates:
	default:
	}
	w.updates <- next
}

// List reads the source once: it waits until the snapshot is Ready (every
// service answered once) or ctx ends, and returns it. A registry that does
// not answer is an error naming its address.
func List(ctx context.Context, opts Options) (Snapshot, error) {
	w, err := New(opts)
	if err != nil {
		return Snapshot{}, err
	}
	defer w.Close()
	for {
		s := w.Snapshot()
		if s.Err != nil {
			return s, fmt.Errorf("discovery: %s: %w", s.Source, s.Err)
		}
		if s.Ready {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("discovery: %s: no complete answer: %w", s.Source, ctx.Err())
		case <-w.Updates():
		}
	}
}

func allKnown(ss []Service) bool {
	for _, s := range ss {
		if !s.Known {
			return false
		}
	}
	return true
}
