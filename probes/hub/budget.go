package hub

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultProbeBudget is Options.ProbeBudget's zero value: requests per
// second to admin listeners, fleet-wide.
const DefaultProbeBudget = 200

// maxIdleShift caps the backing off of an idle instance: its period
// doubles per idle round up to 2^maxIdleShift times.
const maxIdleShift = 3

// roundCost is the requests of one instance's refresh rounds: breakers
// and limiters, and the metrics (RED or /metrics).
const roundCost = 3

// budget spreads a fleet-wide rate of probe requests over the
// instances: focused ones (on screen, selected) refresh at the full rate,
// the rest share what is left, and idle ones back off.
type budget struct {
	rate      float64       // requests per second, fleet-wide
	intro     time.Duration // the follower's full-rate period
	scrape    time.Duration // the metrics' full-rate period
	requests  atomic.Uint64 // requests made, counted by the transport
	mu        sync.Mutex
	instances int // instances with an admin listener
	focus     map[Key]bool
}

func newBudget(rate float64, intro, scrape time.Duration) *budget {
	if rate <= 0 {
		rate = DefaultProbeBudget
	}
	return &budget{rate: rate, intro: intro, scrape: scrape, focus: map[Key]bool{}}
}

// fair is the period at which every instance outside the focus can
// make its rounds within the budget left by the focused ones (at least a
// quarter of the budget is theirs).
func (b *budget) fairLocked() time.Duration {
	nf := 0
	for range b.focus {
		nf++
	}
	rest := max(b.instances-nf, 0)
	focusRate := float64(nf) * (2/b.intro.Seconds() + 1/b.scrape.Seconds())
	left := max(b.rate-focusRate, b.rate/4)
	return time.Duration(float64(rest*roundCost) / left * float64(time.Second))
}

// period is how long key waits before its next round, whose full-rate
// period is base, after idle rounds that saw nothing change.
func (b *budget) period(key Key, base time.Duration, idle int) time.Duration {
	b.mu.Lock()
	focused := b.focus[key]
	fair := b.fairLocked()
	b.mu.Unlock()
	if focused {
		return base
	}
	d := max(base, fair) << min(idle, maxIdleShift)
	// ±10 % so that rounds started together spread out.
	return d - d/10 + rand.N(d/5+1)
}

// pacer returns the function a probe of key calls for its next wait: it
// counts idle rounds (nothing changed) and backs off on them.
func (b *budget) pacer(key Key, base time.Duration) func(changed bool) time.Duration {
	idle := 0
	return func(changed bool) time.Duration {
		if changed {
			idle = 0
		} else {
			idle++
		}
		return b.period(key, base, idle)
	}
}

// add counts an instance with an admin listener in or out.
func (b *budget) add(d int) {
	b.mu.Lock()
	b.instances += d
	b.mu.Unlock()
}

// setFocus replaces the focused instances.
func (b *budget) setFocus(keys []Key) {
	b.mu.Lock()
	clear(b.focus)
	for _, k := range keys {
		b.focus[k] = true
	}
	b.mu.Unlock()
}

// slowest is the period of an unfocused, busy instance's metrics.
func (b *budget) slowest() (time.Duration, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.scrape, b.fairLocked()), b.instances
}

// countingTransport counts the requests the probes make.
type countingTransport struct {
	rt http.RoundTripper
	n  *atomic.Uint64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

// SetFocus names the instances a view shows or has selected: they are
// refreshed at the full rate (Options.Introspect.Interval and
// ScrapeInterval) while the rest share what is left of the probe budget.
// Each call replaces the previous set; nil focuses on none.
func (h *Hub) SetFocus(keys []Key) { h.budget.setFocus(keys) }

// RefreshStatus reports how often the hub refreshes instances and how
// much probing that costs; the hub publishes it every ScrapeInterval.
type RefreshStatus struct {
	// Every is the full-rate period of focused instances' metrics
	// (ScrapeInterval); Slowest is that of the other busy instances under
	// the budget (idle ones back off up to 8 times further).
	Every, Slowest time.Duration
	// Instances counts the instances with an admin listener.
	Instances int
	// ProbesPerSecond is the requests made to admin listeners per second
	// over the last period, event streams opened included.
	ProbesPerSecond float64
}

// About implements Msg; a RefreshStatus is about no single instance.
func (RefreshStatus) About() Key { return Key{} }

// reportRefresh publishes a RefreshStatus every ScrapeInterval until
// Close.
func (h *Hub) reportRefresh() {
	defer h.wg.Done()
	every := max(h.opts.ScrapeInterval, time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	last, at := h.budget.requests.Load(), time.Now()
	for {
		select {
		case <-h.ctx.Done():
			return
		case now := <-t.C:
			n := h.budget.requests.Load()
			slow, insts := h.budget.slowest()
			st := RefreshStatus{Every: max(h.opts.ScrapeInterval, 0), Slowest: slow, Instances: insts,
				ProbesPerSecond: float64(n-last) / now.Sub(at).Seconds()}
			last, at = n, now
			h.mu.Lock()
			h.refresh = st
			h.publishLocked(st)
			h.mu.Unlock()
		}
	}
}

// Refresh returns the latest RefreshStatus.
func (h *Hub) Refresh() RefreshStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refresh
}

// idleConnsPerHost is how many idle connections the hub's own transport
// keeps per host:port: one instance needs one (its event stream holds
// another), several behind one listener (a proxy, a simulator) need more.
const idleConnsPerHost = 16

// connBuffer is the read and the write buffer of each of the hub's
// connections (net/http's default is 4 KiB each): requests are small
// GETs, answers are read in pieces when longer.
const connBuffer = 1 << 10

// idleKeep is how long the hub's transport keeps an idle connection:
// four full-rate periods, so that focused instances (and every instance
// of a fleet small enough for the budget to refresh it at the full rate)
// reuse theirs, while an instance refreshed less often than that dials
// for each round instead of holding a connection in between. Those dials
// are bounded by the budget.
func idleKeep(b *budget) time.Duration { return 4 * max(b.intro, b.scrape) }
