package hub

import (
	"cmp"
	"context"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/introspect"
)

// Defaults of Options.
const (
	DefaultSpanRing       = 10_000
	DefaultHealthInterval = 500 * time.Millisecond
	DefaultScrapeInterval = 2 * time.Second
)

// Source is where the hub learns which instances exist; a
// *discovery.Watcher is one. The hub closes it on Close.
type Source interface {
	Updates() <-chan discovery.Snapshot
	Close() error
}

// Options configure a Hub. The zero value watches the default registry
// (CONSUL_HTTP_ADDR, else 127.0.0.1:8500) with the defaults below.
type Options struct {
	// Discovery chooses the registry or static targets when Source is nil.
	Discovery discovery.Options
	// Source, when not nil, replaces Discovery (tests, embedding).
	Source Source
	// Introspect configures the protocol client of every instance (bearer
	// token, timeouts, caps). Its Interval (zero: 500 ms) is also the
	// health probe period, so a dead instance is marked down within
	// Interval plus Timeout (zero: 1 s) at worst, at once when its event
	// stream breaks.
	Introspect introspect.Options
	// HealthInterval is how often an instance without an admin listener
	// is probed with a TCP connection. Zero means 500 ms.
	HealthInterval time.Duration
	// ScrapeInterval is how often /metrics is scraped on each admin
	// listener. Zero means 2 s; negative disables scraping. With Metrics
	// set, it is how often Metrics is read instead (negative: 2 s).
	ScrapeInterval time.Duration
	// Metrics, when not nil, replaces every instance's scrape with one
	// read of the whole fleet per ScrapeInterval, such as a Prometheus
	// server's (PromQL); an instance the direct probes cannot reach but
	// Metrics sees up is IntroPrometheus, not down. Nil means scraping.
	Metrics MetricsSource
	// SpanRing is how many spans the hub keeps, fleet-wide, for traces.
	// Zero means 10 000.
	SpanRing int
	// ProbeBudget bounds the requests per second the hub's refreshes make
	// to admin listeners, fleet-wide: instances given to SetFocus refresh
	// every Introspect.Interval and ScrapeInterval, the rest as often as
	// the budget left allows (never more often than those), and idle ones
	// back off. Event streams are not counted against it. Zero means
	// DefaultProbeBudget (200).
	ProbeBudget float64
}

// Hub fans the probes of a whole fleet into one stream of typed messages
// and keeps the current state of the fleet for late readers. Create it
// with New and stop it with Close.
type Hub struct {
	opts   Options
	src    Source
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup  // the source reader
	scr    scraper         // nil when scraping is off
	tr     *http.Transport // the probes' own transport, when Introspect.HTTPClient is nil
	budget *budget
	prom   *promState // nil without Options.Metrics; mu guards it

	mu       sync.Mutex
	source   SourceStatus
	insts    map[Key]*instance
	spans    *ring
	subs     map[*Subscription]struct{}
	changed  chan struct{} // closed and replaced when an instance or the source changes
	received uint64        // spans received
	lost     uint64        // spans the instances' rings lost before we read them
	refresh  RefreshStatus // the latest published
	closed   bool
}

// instance is the hub's record of one instance.
type instance struct {
	inst     Instance
	breakers map[string]wire.Breaker
	limiters map[string]wire.Limiter
	metrics  *MetricsUpdate
	controls map[string]wire.Control // by controlID; nil when none
	probe    *probe
}

// New starts a hub: it watches the source and starts probes for each
// instance it reports. A source that fails is reported through
// SourceStatus, not as an error here; the error is for options that name
// no usable source.
func New(opts Options) (*Hub, error) {
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = DefaultHealthInterval
	}
	if opts.ScrapeInterval == 0 {
		opts.ScrapeInterval = DefaultScrapeInterval
	}
	if opts.SpanRing <= 0 {
		opts.SpanRing = DefaultSpanRing
	}
	src := opts.Source
	if src == nil {
		w, err := discovery.New(opts.Discovery)
		if err != nil {
			return nil, err
		}
		src = w
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		opts: opts, src: src, ctx: ctx, cancel: cancel,
		insts:   make(map[Key]*instance),
		spans:   newRing(opts.SpanRing),
		subs:    make(map[*Subscription]struct{}),
		changed: make(chan struct{}),
	}
	if opts.Metrics != nil {
		h.prom = newPromState()
		if h.opts.ScrapeInterval < 0 {
			h.opts.ScrapeInterval = DefaultScrapeInterval
		}
	}
	scrapeBase := opts.ScrapeInterval
	if scrapeBase <= 0 {
		scrapeBase = DefaultScrapeInterval
	}
	h.budget = newBudget(opts.ProbeBudget, cmp.Or(opts.Introspect.Interval, introspect.DefaultInterval), scrapeBase)
	hc := h.opts.Introspect.HTTPClient
	if hc == nil {
		// A transport of our own, so Close can release its connections
		// (and their goroutines) instead of leaving them in a global pool.
		// No total cap on idle connections: one per instance stays warm
		// whatever the fleet's size (a cap below it re-dials every round);
		// a few per host serve instances that share a listener.
		h.tr = http.DefaultTransport.(*http.Transport).Clone()
		h.tr.Proxy = nil
		h.tr.MaxIdleConns = 0
		h.tr.MaxIdleConnsPerHost = idleConnsPerHost
		// Small buffers: a fleet keeps one or two connections per instance,
		// and the requests and answers on them are a few hundred bytes.
		h.tr.ReadBufferSize, h.tr.WriteBufferSize = connBuffer, connBuffer
		// An idle connection lives long enough for the next round of an
		// instance refreshed at the full rate, not for the rare rounds of
		// the rest: each idle connection holds two goroutines and their
		// buffers, which a large fleet would pay for thousands of times.
		h.tr.IdleConnTimeout = idleKeep(h.budget)
		hc = &http.Client{Transport: h.tr}
		if h.opts.Introspect.StreamDial == nil {
			// Event streams on connections of their own, read by the
			// stream's reader alone (see introspect.Options.StreamDial),
			// counted with the other probes.
			d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
			h.opts.Introspect.StreamDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
				h.budget.requests.Add(1)
				return d.DialContext(ctx, network, addr)
			}
		}
	}
	counted := *hc
	counted.Transport = countingTransport{rt: cmp.Or[http.RoundTripper](hc.Transport, http.DefaultTransport), n: &h.budget.requests}
	h.opts.Introspect.HTTPClient = &counted
	if h.prom == nil && opts.ScrapeInterval > 0 {
		h.scr = newScraper(&counted)
	}
	h.wg.Add(2)
	go h.watch()
	go h.reportRefresh()
	if h.prom != nil {
		h.wg.Add(1)
		go h.promLoop()
	}
	return h, nil
}

// watch applies the source's snapshots until Close.
func (h *Hub) watch() {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case snap, ok := <-h.src.Updates():
			if !ok {
				return
			}
			h.applyDiscovery(snap)
		}
	}
}

// Close stops the source and every probe, waits for all their goroutines,
// and ends every subscription. It is idempotent.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	err := h.src.Close()
	h.mu.Lock()
	var stop []*probe
	for _, in := range h.insts {
		if in.probe != nil {
			stop = append(stop, in.probe)
			in.probe = nil
		}
	}
	subs := slices.Collect(maps.Keys(h.subs))
	clear(h.subs)
	h.mu.Unlock()
	for _, p := range stop {
		p.stop()
	}
	if h.scr != nil {
		h.scr.close()
	}
	if h.opts.Metrics != nil {
		h.opts.Metrics.Close()
	}
	if h.tr != nil {
		h.tr.CloseIdleConnections()
	}
	for _, s := range subs {
		s.close()
	}
	return err
}

// Subscribe returns a new subscription to the stream with room for buffer
// messages (zero or less: DefaultSubscriptionBuffer). It starts empty:
// read Snapshot first for the current state. Close it when done.
func (h *Hub) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultSubscriptionBuffer
	}
	s := &Subscription{
		hub: h, notify: make(chan struct{}, 1), done: make(chan struct{}),
		pending: make(map[ckey]*entry), max: buffer,
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.closed = true
		close(s.done)
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

func (h *Hub) unsubscribe(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// publishLocked sends m to every subscriber; the caller holds mu.
func (h *Hub) publishLocked(m Msg) {
	for s := range h.subs {
		s.push(m)
	}
}

// bumpLocked wakes WaitSettled: an instance or the source changed.
func (h *Hub) bumpLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}
