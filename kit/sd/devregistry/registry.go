package devregistry

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/kitbench/kitbench/kit/internal/hostcheck"
)

// Names under which the registry presents its single node, as Consul would.
const (
	nodeName   = "devregistry"
	nodeID     = "00000000-0000-4000-8000-000000000001"
	datacenter = "dc1"
	serfCheck  = "serfHealth"
)

// Sentinel errors. HTTP handlers map them to Consul's status codes.
var (
	// ErrBadRequest marks a request the registry refuses (HTTP 400).
	ErrBadRequest = errors.New("devregistry: bad request")
	// ErrNotFound marks an unknown service or check ID (HTTP 404).
	ErrNotFound = errors.New("devregistry: not found")
	// ErrAddrInUse is returned by Listen when another process holds the address.
	ErrAddrInUse = errors.New("devregistry: address in use")
)

// Options configure a Registry. The zero value is valid.
type Options struct {
	// Addr is where ListenAndServe listens. Empty means DefaultAddr,
	// Consul's own address, so clients find the registry with no flags.
	Addr string
	// AllowedHosts are the Host headers answered on top of those always
	// answered: localhost, loopback IP literals, and the IP and port a
	// request's connection arrived on. An entry is a host name or IP (any
	// port), a host:port (that port only), or "*" (any Host). Nil (the
	// default) answers only the names above; any other Host gets 403, so
	// a browser page cannot reach the registry through DNS rebinding.
	AllowedHosts []string
	// MaxBlockingQueries caps the blocking queries parked at once; one
	// more gets 429 with Retry-After. Zero means
	// DefaultMaxBlockingQueries (1024); negative means no cap.
	MaxBlockingQueries int
}

// DefaultAddr is the address Consul's agent and clients use by default.
const DefaultAddr = "127.0.0.1:8500"

// Registry is the in-memory state of a dev registry plus, once Serve is
// called, the HTTP server in front of it. A Registry is safe for concurrent
// use; its zero value is not usable, call New.
type Registry struct {
	addr      string
	hosts     hostcheck.Policy
	maxParked int64
	parked    atomic.Int64 // blocking queries waiting now

	mu       sync.Mutex
	index    uint64 // last write index; starts from a time-based seed
	services map[string]*service
	checks   map[string]*check
	names    map[string]*topic // service name → its instances; removed with its last instance
	newNames watch             // bumped when a service name gets its first instance or loses its last
	catalog  watch             // bumped on register and deregister
	closed   bool
	closing  chan struct{} // closed by Close/Shutdown: ends blocking queries
	// High-water marks of services, checks and names, for shrink.
	servicesHi, checksHi, namesHi int

	srvMu sync.Mutex
	srv   *http.Server
}

// watch is one broadcast point: ch is closed (and replaced) when index moves.
type watch struct {
	index uint64
	ch    chan struct{}
}

func (w *watch) bump(idx uint64) {
	w.index = idx
	close(w.ch)
	w.ch = make(chan struct{})
}

// topic holds the instances of one service name.
type topic struct {
	watch
	ids   map[string]*service
	idsHi int       // high-water mark of ids, for shrink
	cache [2][]byte // encoded health responses (all, passing-only) for index
}

type service struct {
	svc    api.AgentService // response shape; Tags and Meta never mutated after creation
	checks []*check
}

type check struct {
	hc         api.HealthCheck
	svc        *service
	ttl        time.Duration
	expires    time.Time
	ttlTimer   *time.Timer
	deregAfter time.Duration
	criticalAt time.Time
	reapTimer  *time.Timer
}

// New returns an empty Registry. It starts no goroutines until Serve.
func New(opts Options) *Registry {
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	// Seed the index from the clock so that a restarted registry answers
	// with indexes above the ones its clients last saw (they resume at once
	// instead of blocking for a full wait); clients still handle an index
	// that goes backwards, as Consul requires.
	seed := uint64(max(time.Now().UnixMilli(), 1))
	maxParked := int64(opts.MaxBlockingQueries)
	if maxParked == 0 {
		maxParked = DefaultMaxBlockingQueries
	}
	return &Registry{
		addr:      addr,
		hosts:     hostcheck.New(opts.AllowedHosts),
		maxParked: maxParked,
		index:     seed,
		services:  make(map[string]*service),
		checks:    make(map[string]*check),
		names:     make(map[string]*topic),
		newNames:  watch{index: seed, ch: make(chan struct{})},
		catalog:   watch{index: seed, ch: make(chan struct{})},
		closing:   make(chan struct{}),
	}
}

// register adds or replaces a service instance and its checks.
func (r *Registry) register(reg *api.AgentServiceRegistration, replaceChecks bool) error {
	if reg.Kind != api.ServiceKindTypical {
		return fmt.Errorf("%w: service kind %q is not supported by the dev registry", ErrBadRequest, reg.Kind)
	}
	if reg.Port < 0 || reg.Port > 65535 {
		return fmt.Errorf("%w: invalid port %d", ErrBadRequest, reg.Port)
	}
	id := reg.ID
	if id == "" {
		id = reg.Name
	}
	defs := make([]*api.AgentServiceCheck, 0, 1+len(reg.Checks))
	if reg.Check != nil {
		defs = append(defs, reg.Check)
	}
	for _, c := range reg.Checks {
		if c != nil {
			defs = append(defs, c)
		}
	}
	specs := make([]checkSpec, len(defs))
	checkIDs := make([]string, 0, len(defs))
	for i, d := range defs {
		s, err := parseCheck(d, id, reg.Name, i, len(defs))
		if err != nil {
			return err
		}
		specs[i] = s
		checkIDs = append(checkIDs, s.hc.CheckID)
	}
	if err := checkRegistration(reg.Name, reg.ID, reg.Tags, checkIDs); err != nil {
		return err
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("devregistry: registry is shut down")
	}
	r.index++
	idx := r.index
	old := r.services[id]
	if old != nil && old.svc.Service != reg.Name {
		r.removeLocked(old, idx)
		old = nil
	}
	s := &service{svc: api.AgentService{
		ID:                id,
		Service:           reg.Name,
		Tags:              slices.Clone(reg.Tags),
		Meta:              cloneMap(reg.Meta),
		Port:              reg.Port,
		Address:           reg.Address,
		Weights:           api.AgentWeights{Passing: 1, Warning: 1},
		EnableTagOverride: reg.EnableTagOverride,
		CreateIndex:       idx,
		ModifyIndex:       idx,
		Datacenter:        datacenter,
	}}
	if reg.Weights != nil {
		s.svc.Weights = *reg.Weights
	}
	if s.svc.Tags == nil {
		s.svc.Tags = []string{}
	}
	if s.svc.Meta == nil {
		s.svc.Meta = map[string]string{}
	}
	if old != nil {
		s.svc.CreateIndex = old.svc.CreateIndex
		// Consul keeps checks that the new definition does not name unless
		// replace-existing-checks is set.
		for _, c := range old.checks {
			if !replaceChecks && !specsHave(specs, c.hc.CheckID) {
				c.svc = s
				c.hc.ServiceTags = s.svc.Tags
				s.checks = append(s.checks, c)
				continue
			}
			r.dropCheckLocked(c)
		}
	}
	now := time.Now()
	for _, sp := range specs {
		if prev := r.checks[sp.hc.CheckID]; prev != nil {
			r.dropCheckLocked(prev)
			if ps := prev.svc; ps != nil && ps != old {
				ps.checks = slices.DeleteFunc(ps.checks, func(c *check) bool { return c == prev })
			}
		}
		c := &check{hc: sp.hc, svc: s, ttl: sp.ttl, deregAfter: sp.deregAfter}
		c.hc.ServiceTags = s.svc.Tags
		c.hc.CreateIndex, c.hc.ModifyIndex = idx, idx
		r.checks[c.hc.CheckID] = c
		s.checks = append(s.checks, c)
		r.armTTLLocked(c, now)
		if c.hc.Status == api.HealthCritical {
			r.armReapLocked(c, now)
		}
	}
	r.services[id] = s
	t := r.names[reg.Name]
	if t == nil {
		t = &topic{watch: watch{ch: make(chan struct{})}, ids: make(map[string]*service)}
		r.names[reg.Name] = t
		r.newNames.bump(idx)
	}
	t.ids[id] = s
	r.bumpTopicLocked(t, idx)
	r.catalog.bump(idx)
	return nil
}

func specsHave(specs []checkSpec, id string) bool {
	for _, s := range specs {
		if s.hc.CheckID == id {
			return true
		}
	}
	return false
}

// deregister removes the service with the given ID and its checks.
func (r *Registry) deregister(id string) error {
	if err := checkID("service ID", id); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.services[id]
	if s == nil {
		return fmt.Errorf("%w: unknown service ID %q", ErrNotFound, id)
	}
	r.index++
	r.removeLocked(s, r.index)
	return nil
}

func (r *Registry) removeLocked(s *service, idx uint64) {
	for _, c := range s.checks {
		r.dropCheckLocked(c)
	}
	s.checks = nil
	delete(r.services, s.svc.ID)
	r.services = shrink(r.services, &r.servicesHi)
	if t := r.names[s.svc.Service]; t != nil {
		delete(t.ids, s.svc.ID)
		t.ids = shrink(t.ids, &t.idsHi)
		r.bumpTopicLocked(t, idx) // wakes its watchers
		if len(t.ids) == 0 {
			// No tombstone: a query for the name now reads newNames,
			// whose index is bumped here so that it does not go back.
			delete(r.names, s.svc.Service)
			r.names = shrink(r.names, &r.namesHi)
			r.newNames.bump(idx)
		}
	}
	r.catalog.bump(idx)
}

func (r *Registry) dropCheckLocked(c *check) {
	if c.ttlTimer != nil {
		c.ttlTimer.Stop()
	}
	if c.reapTimer != nil {
		c.reapTimer.Stop()
	}
	if r.checks[c.hc.CheckID] == c {
		delete(r.checks, c.hc.CheckID)
		r.checks = shrink(r.checks, &r.checksHi)
	}
}

func (r *Registry) bumpTopicLocked(t *topic, idx uint64) {
	t.bump(idx)
	t.cache = [2][]byte{}
}

// updateCheck sets a TTL check's status and output and restarts its TTL.
func (r *Registry) updateCheck(id, status, output string) error {
	if err := checkID("check ID", id); err != nil {
		return err
	}
	switch status {
	case api.HealthPassing, api.HealthWarning, api.HealthCritical:
	default:
		return fmt.Errorf("%w: invalid check status %q", ErrBadRequest, status)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.checks[id]
	if c == nil {
		return fmt.Errorf("%w: unknown check ID %q", ErrNotFound, id)
	}
	if c.ttl <= 0 {
		return fmt.Errorf("check %q does not have associated TTL", id)
	}
	now := time.Now()
	r.armTTLLocked(c, now)
	r.setStatusLocked(c, status, output, now)
	return nil
}

// setStatusLocked changes a check; only a real change moves the index, so
// heartbeats that repeat the same status wake no watcher.
func (r *Registry) setStatusLocked(c *check, status, output string, now time.Time) {
	if c.hc.Status == status && c.hc.Output == output {
		return
	}
	if status == api.HealthCritical && c.hc.Status != api.HealthCritical {
		r.armReapLocked(c, now)
	} else if status != api.HealthCritical && c.reapTimer != nil {
		c.reapTimer.Stop()
	}
	c.hc.Status, c.hc.Output = status, output
	r.index++
	c.hc.ModifyIndex = r.index
	if t := r.names[c.svc.svc.Service]; t != nil {
		r.bumpTopicLocked(t, r.index)
	}
}

// close ends blocking queries and stops every timer.
func (r *Registry) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	close(r.closing)
	for _, c := range r.checks {
		if c.ttlTimer != nil {
			c.ttlTimer.Stop()
		}
		if c.reapTimer != nil {
			c.reapTimer.Stop()
		}
	}
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
