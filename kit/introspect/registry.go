package introspect

import (
	"sort"
	"sync"
	"sync/atomic"
)

// BreakerSource is implemented by circuit breakers that can be observed.
type BreakerSource interface {
	// BreakerInfo returns a snapshot; it must not block on the call path.
	BreakerInfo() Breaker
}

// LimiterSource is implemented by rate limiters that can be observed.
type LimiterSource interface {
	// LimiterInfo returns a snapshot; it must not block on the call path.
	LimiterInfo() Limiter
}

// SpanSource is implemented by the span ring of kit/tracing.
type SpanSource interface {
	// Spans returns up to limit spans with a cursor greater than after,
	// oldest first, the cursor to continue from, and how many spans after
	// the given cursor were already overwritten.
	Spans(after uint64, limit int) (spans []Span, next uint64, dropped uint64)
}

// Registry is the set of observable components of one service instance.
// The service owns it (there is no global registry) and serves it with
// NewHandler. The zero value is not usable; create one with NewRegistry.
// A Registry is safe for concurrent use.
type Registry struct {
	mu       sync.RWMutex
	info     Info
	breakers []BreakerSource
	limiters []LimiterSource
	spans    SpanSource
	streams  []*streamGauge
	targets  controlTargets // what controls act on besides breakers and limiters
	// exchanges is the store of recent exchanges (exchanges.go); nil
	// when the service keeps none.
	exchanges ExchangeSource

	subMu   sync.Mutex
	subs    map[*subscription]struct{}
	dropped atomic.Uint64
}

type subscription struct {
	ch      chan Event
	dropped atomic.Uint64 // events this subscriber missed, reset by the reader
}

// NewRegistry returns an empty registry describing the given instance.
// Protocol is set to Version.
func NewRegistry(info Info) *Registry {
	info.Protocol = Version
	return &Registry{info: info, subs: make(map[*subscription]struct{})}
}

// Info returns the instance description.
func (r *Registry) Info() Info {
	r.mu.RLock()
	defer r.mu.RUnlock()
	info := r.info
	info.Transports = append([]Transport(nil), info.Transports...)
	info.Endpoints = append([]EndpointDoc(nil), info.Endpoints...)
	info.Streams = openStreams(r.streams)
	return info
}

// AddTransport records a listener the service answers on.
func (r *Registry) AddTransport(t Transport) {
	r.mu.Lock()
	r.info.Transports = append(r.info.Transports, t)
	r.mu.Unlock()
}

// AddEndpoints records endpoints the service serves.
func (r *Registry) AddEndpoints(docs ...EndpointDoc) {
	r.mu.Lock()
	r.info.Endpoints = append(r.info.Endpoints, docs...)
	r.mu.Unlock()
}

// AddBreaker registers a circuit breaker.
func (r *Registry) AddBreaker(b BreakerSource) {
	r.mu.Lock()
	r.breakers = append(r.breakers, b)
	r.mu.Unlock()
}

// AddLimiter registers a rate limiter.
func (r *Registry) AddLimiter(l LimiterSource) {
	r.mu.Lock()
	r.limiters = append(r.limiters, l)
	r.mu.Unlock()
}

// SetSpans sets the source of recent spans (at most one).
func (r *Registry) SetSpans(s SpanSource) {
	r.mu.Lock()
	r.spans = s
	r.mu.Unlock()
}

// Breakers returns a snapshot of every registered breaker, sorted by name.
func (r *Registry) Breakers() []Breaker {
	r.mu.RLock()
	srcs := append([]BreakerSource(nil), r.breakers...)
	r.mu.RUnlock()
	out := make([]Breaker, 0, len(srcs))
	for _, s := range srcs {
		out = append(out, s.BreakerInfo())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Limiters returns a snapshot of every registered limiter, sorted by name.
func (r *Registry) Limiters() []Limiter {
	r.mu.RLock()
	srcs := append([]LimiterSource(nil), r.limiters...)
	r.mu.RUnlock()
	out := make([]Limiter, 0, len(srcs))
	for _, s := range srcs {
		out = append(out, s.LimiterInfo())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Spans pages through the span source; with no source it returns nothing.
func (r *Registry) Spans(after uint64, limit int) SpanPage {
	r.mu.RLock()
	src := r.spans
	r.mu.RUnlock()
	if src == nil {
		return SpanPage{Spans: []Span{}, Next: after}
	}
	spans, next, dropped := src.Spans(after, limit)
	if spans == nil {
		spans = []Span{}
	}
	return SpanPage{Spans: spans, Next: next, Dropped: dropped}
}

// Publish sends an event to every subscriber. It never blocks: a subscriber
// whose buffer is full misses the event, and the miss is counted (Dropped).
func (r *Registry) Publish(e Event) {
	r.subMu.Lock()
	defer r.subMu.Unlock()
	for s := range r.subs {
		select {
		case s.ch <- e:
		default:
			s.dropped.Add(1)
			r.dropped.Add(1)
		}
	}
}

// Subscribe returns a channel of published events with the given buffer
// (at least 1) and a function that ends the subscription and closes the
// channel. The caller must call it.
func (r *Registry) Subscribe(buffer int) (<-chan Event, func()) {
	s, cancel := r.subscribe(buffer)
	return s.ch, cancel
}

// subscribe is Subscribe that also exposes the subscriber's own drop count.
func (r *Registry) subscribe(buffer int) (*subscription, func()) {
	if buffer < 1 {
		buffer = 1
	}
	s := &subscription{ch: make(chan Event, buffer)}
	r.subMu.Lock()
	r.subs[s] = struct{}{}
	r.subMu.Unlock()
	var once sync.Once
	return s, func() {
		once.Do(func() {
			r.subMu.Lock()
			delete(r.subs, s)
			r.subMu.Unlock()
			close(s.ch)
		})
	}
}

// Dropped returns how many events subscribers have missed because their
// buffers were full.
func (r *Registry) Dropped() uint64 { return r.dropped.Load() }
