package hub

import (
	"context"
	"maps"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/promql"
)

// IntroPrometheus is how an instance the workbench cannot reach directly
// is observed when the fleet's Prometheus still scrapes it (Options.Metrics):
// it is up as far as anyone can tell, its figures, breaker states and
// limiter totals come from Prometheus, and Instance.Err says why the
// direct probe fails. Views show it as such, not as failing.
const IntroPrometheus Introspection = "prometheus only"

// MetricsSource reads the figures of a whole fleet at once, in place of
// scraping every instance: PromQL adapts a Prometheus server to it.
type MetricsSource interface {
	// Fetch reads every instance's figures as of now.
	Fetch(ctx context.Context) (MetricsReading, error)
	// String names the source for messages, such as
	// "Prometheus at http://127.0.0.1:9090".
	String() string
	// Close releases the source's connections; the hub calls it on Close.
	Close()
}

// MetricsReading is one Fetch of a MetricsSource; *promql.Fleet is one.
type MetricsReading interface {
	// Lookup returns the figures of the instance registered as service
	// and id with its admin listener at admin (a base URL, or empty), or
	// false when the reading has none.
	Lookup(service, id, admin string) (*promql.Figures, bool)
}

// PromQL adapts a Prometheus source to a MetricsSource.
func PromQL(s *promql.Source) MetricsSource { return promqlSource{s} }

type promqlSource struct{ s *promql.Source }

func (p promqlSource) Fetch(ctx context.Context) (MetricsReading, error) {
	f, err := p.s.Fetch(ctx, time.Time{})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (p promqlSource) String() string { return "Prometheus at " + p.s.URL() }

func (p promqlSource) Close() { p.s.Close() }

// promState is what the hub remembers of its MetricsSource.
type promState struct {
	read bool           // a Fetch has answered, well or not, since the source was ready
	up   map[Key]bool   // instances the last reading saw up
	err  map[Key]string // why the direct probe of each instance fails
}

func newPromState() *promState {
	return &promState{up: map[Key]bool{}, err: map[Key]string{}}
}

// firstReadRetry is how soon promLoop reads again while no reading has
// covered a ready source: one-shot commands wait for that reading.
const firstReadRetry = 200 * time.Millisecond

// promLoop reads h.opts.Metrics every ScrapeInterval until Close.
func (h *Hub) promLoop() {
	defer h.wg.Done()
	for {
		ctx, cancel := context.WithTimeout(h.ctx, max(h.opts.ScrapeInterval, promql.DefaultTimeout))
		r, err := h.opts.Metrics.Fetch(ctx)
		cancel()
		if h.ctx.Err() != nil {
			return
		}
		every := h.opts.ScrapeInterval
		if !h.applyMetrics(r, err) {
			every = min(every, firstReadRetry)
		}
		select {
		case <-h.ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// applyMetrics hands one reading (or its error) to every instance. It
// reports whether a reading has covered a ready source.
func (h *Hub) applyMetrics(r MetricsReading, err error) bool {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	maps.DeleteFunc(h.prom.err, func(k Key, _ string) bool { return h.insts[k] == nil })
	clear(h.prom.up)
	for key, in := range h.insts {
		m := MetricsUpdate{Key: key, Time: now, Source: h.opts.Metrics.String()}
		var fig *promql.Figures
		switch ok := false; {
		case err != nil:
			m.Err = err.Error()
		default:
			if fig, ok = r.Lookup(key.Service, key.InstanceID, in.inst.Admin); ok {
				m.Stats = fig.Stats
			} else if in.inst.Admin == "" {
				continue // not a kit service: nothing to read, nothing to say
			} else {
				m.Err = h.opts.Metrics.String() + " has no series of this instance: is it scraped, with the labels service and service_id? (docs/prometheus.md)"
			}
		}
		in.metrics = &m
		h.publishLocked(m)
		h.prom.up[key] = fig != nil && (fig.Up || !fig.Known)
		why := m.Err
		if why == "" {
			why = h.opts.Metrics.String() + " does not reach it either"
		}
		h.promOnlyLocked(in, fig, why)
	}
	if !h.prom.read && h.source.Ready {
		h.prom.read = true
		h.bumpLocked()
	}
	return h.prom.read
}

// degradeLocked is called with the state a direct probe found: when it
// failed and the last reading saw the instance up, the instance is
// IntroPrometheus instead of down.
func (h *Hub) degradeLocked(in *instance, next *Instance) {
	if h.prom == nil || next.State != StateDown {
		return
	}
	h.prom.err[in.inst.Key] = next.Err
	if h.prom.up[in.inst.Key] {
		next.State, next.Intro = StateUp, IntroPrometheus
	}
}

// promOnlyLocked moves an instance into or out of IntroPrometheus after a
// reading (why: what the source says when it does not see the instance
// up), and, while it is there, takes its breakers and limiters from the
// reading (fig: nil when the reading has none).
func (h *Hub) promOnlyLocked(in *instance, fig *promql.Figures, why string) {
	key, next := in.inst.Key, in.inst
	switch {
	case next.State == StateDown && h.prom.up[key] && in.probe != nil && next.Admin != "":
		next.State, next.Intro = StateUp, IntroPrometheus
	case next.Intro == IntroPrometheus && !h.prom.up[key]:
		next.State, next.Intro = StateDown, IntroNone
		next.Err = h.prom.err[key] + "; " + why
	}
	h.setInstLocked(in, next)
	if next.Intro != IntroPrometheus || fig == nil {
		return
	}
	for name, state := range fig.Stats.Breakers {
		b := in.breakers[name]
		if b.Name == name && b.State == state {
			continue
		}
		b.Name, b.State = name, state
		in.breakers[name] = b
		h.publishLocked(BreakerUpdate{Key: key, Breaker: b})
	}
	maps.DeleteFunc(in.breakers, func(name string, _ wire.Breaker) bool { _, ok := fig.Stats.Breakers[name]; return !ok })
	maps.DeleteFunc(in.limiters, func(name string, _ wire.Limiter) bool { _, ok := fig.Stats.Limiters[name]; return !ok })
	for name := range fig.Stats.Limiters {
		l := in.limiters[name]
		nl := wire.Limiter{Name: name, Mode: l.Mode, Rate: l.Rate, Burst: l.Burst, Tokens: l.Tokens,
			Allowed: uint64(fig.Allowed[name]), Rejected: uint64(fig.Rejected[name])}
		if nl != l {
			in.limiters[name] = nl
			h.publishLocked(LimiterUpdate{Key: key, Limiter: nl})
		}
	}
}
