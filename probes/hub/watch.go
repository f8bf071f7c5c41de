package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/probes/scrape"
)

// metricsSource is how a probe reads an instance's request figures: the
// compact RED resource when its /info offers it, else the /metrics page.
type metricsSource struct {
	red   atomic.Bool // the instance offers RED
	mu    sync.Mutex
	known bool   // /info was read once
	kick  func() // runs the first round now; nil until the rounds start
}

func newMetricsSource() *metricsSource { return &metricsSource{} }

// learn records what /info says; the hub calls it for each KindInfo. The
// first one starts the metrics rounds if they are waiting for it.
func (m *metricsSource) learn(info wire.Info) {
	m.red.Store(introspect.OffersRED(info))
	m.mu.Lock()
	first, kick := !m.known, m.kick
	m.known = true
	m.mu.Unlock()
	if first && kick != nil {
		kick()
	}
}

// startRounds gives the source the function that starts the first round,
// calling it at once when /info is already known.
func (m *metricsSource) startRounds(kick func()) {
	m.mu.Lock()
	m.kick = kick
	known := m.known
	m.mu.Unlock()
	if known {
		kick()
	}
}

// metricsRounds reads an instance's figures in rounds paced by pace and
// reports what two successive reads derive to. No goroutine waits between
// rounds: each runs from a timer, counted in wg, so that a fleet of
// thousands of instances refreshed every minute or so does not park a
// goroutine (and its stack) for each.
type metricsRounds struct {
	ctx    context.Context
	wg     *sync.WaitGroup
	src    *metricsSource
	c      *introspect.Client
	s      scraper
	every  time.Duration
	pace   func(changed bool) time.Duration
	report func(scrape.Stats, error)
	url    string
	redURL string
	prev   *scrape.Snapshot // rounds never overlap: each arms the next

	mu      sync.Mutex
	t       *time.Timer
	started bool // the first round has fired
	stopped bool // ctx ended: arm nothing more
}

// startMetrics starts the rounds until ctx ends; wg counts the one
// pending or running, so waiting for wg after ending ctx waits for the
// last. The first round waits for the first /info (at most every) to
// choose the source, so an instance that offers RED is never scraped.
func startMetrics(ctx context.Context, wg *sync.WaitGroup, src *metricsSource, c *introspect.Client, s scraper,
	every time.Duration, pace func(changed bool) time.Duration, report func(scrape.Stats, error)) {
	r := &metricsRounds{ctx: ctx, wg: wg, src: src, c: c, s: s, every: every, pace: pace, report: report,
		url: adminPath(c.Base(), wire.MetricsPath), redURL: c.Base() + wire.PathPrefix + "/" + wire.ResourceRED}
	r.mu.Lock()
	wg.Add(1)
	r.t = time.AfterFunc(every, r.round)
	r.mu.Unlock()
	context.AfterFunc(ctx, r.stop)
	src.startRounds(r.kick)
}

// kick runs the first round now, unless it has fired or the rounds ended.
func (r *metricsRounds) kick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started && !r.stopped && r.t.Stop() {
		r.t.Reset(0)
	}
}

// stop ends the rounds; a pending one is cancelled, a running one ends
// without arming the next.
func (r *metricsRounds) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.t.Stop() {
		r.wg.Done()
	}
}

// round reads once and arms the next round.
func (r *metricsRounds) round() {
	defer r.wg.Done()
	r.mu.Lock()
	r.started = true
	stopped := r.stopped
	r.mu.Unlock()
	if stopped {
		return
	}
	next, ok := r.read()
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok && !r.stopped {
		r.wg.Add(1)
		r.t.Reset(next)
	}
}

// read reads and reports the figures once and returns the wait before
// the next read; false when there is nothing more to read.
func (r *metricsRounds) read() (time.Duration, bool) {
	var cur *scrape.Snapshot
	var err error
	rctx, cancel := context.WithTimeout(r.ctx, r.every)
	if r.src.red.Load() {
		at := time.Now()
		var eps []wire.REDEndpoint
		if eps, err = r.c.RED(rctx); err == nil {
			cur = scrape.FromRED(r.redURL, at, eps)
		}
	} else if r.s != nil {
		if cur, err = r.s.scrape(rctx, r.url, r.c.Token()); err == nil {
			cur = cur.Compact()
		}
	}
	cancel()
	if r.ctx.Err() != nil {
		return 0, false
	}
	changed := true
	switch {
	case err != nil:
		r.report(scrape.Stats{}, err)
	case cur != nil:
		st := scrape.Derive(r.prev, cur)
		changed = st.Interval == 0 || st.Instance.Requests > 0
		r.report(st, nil)
		r.prev = cur
	default:
		return 0, false // no RED and scraping is off: nothing to read
	}
	return r.pace(changed), true
}
