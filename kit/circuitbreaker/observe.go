package circuitbreaker

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

// BreakerInfo returns a snapshot of the breaker: state, counts of the
// current window (or, while open, of the window that tripped it), error
// ratio, time of the last transition (the creation time before any) and
// settings. It takes no lock the call path uses. An open breaker whose
// timeout has passed turns half-open here, as it would on the next call.
func (b *Breaker) BreakerInfo() introspect.Breaker {
	now := b.now()
	r := b.cur.Load()
	if r.state == open && !now.Before(r.until) {
		b.transition(r, halfOpen, now)
		r = b.cur.Load()
	}
	c := b.counts(r, now)
	info := introspect.Breaker{
		Name:           b.name,
		State:          r.state.String(),
		Counts:         c,
		Forced:         r.forced,
		LastTransition: r.since,
		Settings: introspect.BreakerSettings{
			Policy:           "consecutive",
			OpenTimeoutNS:    int64(b.cfg.openTimeout),
			HalfOpenMaxCalls: b.cfg.halfOpen,
		},
	}
	if c.Requests > 0 {
		info.ErrorRatio = float64(c.Failures) / float64(c.Requests)
	}
	if b.cfg.policy == policyRatio {
		info.Settings.Policy = "ratio"
		info.Settings.ErrorRatio = b.cfg.ratio
		info.Settings.MinRequests = b.cfg.minRequests
		info.Settings.WindowNS = int64(b.cfg.window)
	} else {
		info.Settings.ConsecutiveFailures = b.cfg.consecutive
	}
	return info
}

// Subscribe returns a channel that receives every later transition, with
// the given buffer (at least 1), and a function that ends the subscription
// and closes the channel; the caller must call it. Sends never block: a
// transition that finds the buffer full is not delivered to that
// subscriber. The Failures slice of a transition is shared; do not modify it.
func (b *Breaker) Subscribe(buffer int) (<-chan introspect.BreakerTransition, func()) {
	ch := make(chan introspect.BreakerTransition, max(buffer, 1))
	b.subs.mu.Lock()
	if b.subs.m == nil {
		b.subs.m = make(map[chan introspect.BreakerTransition]struct{})
	}
	b.subs.m[ch] = struct{}{}
	b.subs.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.subs.mu.Lock()
			delete(b.subs.m, ch)
			close(ch)
			b.subs.mu.Unlock()
		})
	}
}

type subscribers struct {
	mu sync.Mutex
	m  map[chan introspect.BreakerTransition]struct{}
}

// publish hands t to the registry, the subscribers and the observers;
// none of them can block the caller.
func (b *Breaker) publish(t introspect.BreakerTransition) {
	if reg := b.cfg.registry; reg != nil {
		e := t
		reg.Publish(introspect.Event{Type: introspect.EventBreaker, Breaker: &e})
	}
	b.subs.mu.Lock()
	for ch := range b.subs.m {
		select {
		case ch <- t:
		default:
		}
	}
	b.subs.mu.Unlock()
	b.notify.push(t)
}

// notifier runs OnTransition observers on a goroutine that exists only
// while transitions are waiting, so a breaker needs no Close.
type notifier struct {
	fns     []func(introspect.BreakerTransition)
	mu      sync.Mutex
	queue   []introspect.BreakerTransition
	running bool
}

const notifyQueue = 64

func (n *notifier) push(t introspect.BreakerTransition) {
	if len(n.fns) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.queue) >= notifyQueue {
		n.queue = slices.Delete(n.queue, 0, 1)
	}
	n.queue = append(n.queue, t)
	if !n.running {
		n.running = true
		go n.run()
	}
}

func (n *notifier) run() {
	for {
		n.mu.Lock()
		if len(n.queue) == 0 {
			n.running = false
			n.mu.Unlock()
			return
		}
		t := n.queue[0]
		n.queue = slices.Delete(n.queue, 0, 1)
		n.mu.Unlock()
		for _, f := range n.fns {
			f(t)
		}
	}
}

// failureRing remembers the most recent failures, lock-free: each slot
// holds a pointer to an immutable record.
type failureRing struct {
	next  atomic.Uint64
	slots [ringSize]atomic.Pointer[introspect.BreakerFailure]
}

const (
	ringSize    = 16
	maxErrorLen = 256
)

// add remembers a failure. Its text is transport.Summary(err), the status
// and client-safe text only: failures are served on the introspection API,
// and the wrapped chain may hold queries, hosts or credentials.
func (f *failureRing) add(ctx context.Context, now time.Time, err error) {
	bf := &introspect.BreakerFailure{Time: now, Error: truncate(transport.Summary(err), maxErrorLen)}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		bf.TraceID = sc.TraceID().String()
	}
	i := f.next.Add(1) - 1
	f.slots[i%ringSize].Store(bf)
}

// since returns the remembered failures at or after t, oldest first.
func (f *failureRing) since(t time.Time) []introspect.BreakerFailure {
	var out []introspect.BreakerFailure
	for i := range f.slots {
		if p := f.slots[i].Load(); p != nil && !p.Time.Before(t) {
			out = append(out, *p)
		}
	}
	slices.SortStableFunc(out, func(a, b introspect.BreakerFailure) int { return a.Time.Compare(b.Time) })
	return out
}

// truncate shortens s to at most n bytes on a rune boundary, marking the
// cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func (b *Breaker) spanEvent(span trace.Span, s state, rejected bool) {
	attrs := []attribute.KeyValue{
		attribute.String("circuitbreaker.name", b.name),
		attribute.String("circuitbreaker.state", s.String()),
	}
	if rejected {
		attrs = append(attrs, attribute.Bool("circuitbreaker.rejected", true))
	}
	span.AddEvent("circuitbreaker", trace.WithAttributes(attrs...))
}
