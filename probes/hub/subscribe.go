package hub

import (
	"context"
	"errors"
	"sync"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// ErrClosed is returned by Subscription.Next once the hub or the
// subscription is closed and every queued message has been read.
var ErrClosed = errors.New("hub: closed")

// DefaultSubscriptionBuffer is the queue length of a subscription created
// with a buffer of zero or less.
const DefaultSubscriptionBuffer = 1024

// maxBatch is the most spans one queued SpanBatch grows to by merging.
const maxBatch = 512

// maxQueuedSpans bounds the spans one subscription holds in its queue,
// whatever the number of messages; beyond it the oldest batches go.
const maxQueuedSpans = DefaultSpanRing

// Subscription is one reader's view of the hub's stream: a bounded queue
// that coalesces state (the latest state of an instance, breaker, limiter,
// metrics or controls replaces an unread older one) and merges consecutive span
// batches. State takes one entry per thing it is about, so it is bounded
// by the fleet the hub holds and never dropped: a reader that falls behind
// on a large fleet reads the latest of each, not a Dropped and a whole
// Snapshot. The other messages (span batches, problems, departures) are
// bounded by the buffer: when it is full, the oldest span batch is dropped
// to make room, else the new message; drops are counted and reported by a
// Dropped message. Publishing never waits for a subscriber.
type Subscription struct {
	hub    *Hub
	notify chan struct{} // capacity 1: "the queue is not empty"
	done   chan struct{} // closed by Close or the hub's Close

	mu       sync.Mutex
	queue    []*entry // FIFO; entries may be dead (removed in place)
	head     int
	live     int
	spans    int // spans in live queued batches
	pending  map[ckey]*entry
	max      int
	dropped  uint64 // total
	reported uint64 // part of dropped already told with a Dropped message
	closed   bool
}

type entry struct {
	msg   Msg
	key   ckey
	dead  bool
	owned bool // a SpanBatch whose Spans slice this queue allocated
}

// ckey identifies what a coalescible message is about.
type ckey struct {
	kind byte
	inst Key
	name string
}

func coalesceKey(m Msg) (ckey, bool) {
	switch m := m.(type) {
	case SourceStatus:
		return ckey{kind: 's'}, true
	case InstanceUpdate:
		return ckey{kind: 'i', inst: m.Instance.Key}, true
	case BreakerUpdate:
		return ckey{kind: 'b', inst: m.Key, name: m.Breaker.Name}, true
	case LimiterUpdate:
		return ckey{kind: 'l', inst: m.Key, name: m.Limiter.Name}, true
	case MetricsUpdate:
		return ckey{kind: 'm', inst: m.Key}, true
	case ControlUpdate:
		return ckey{kind: 'c', inst: m.Key}, true
	case RefreshStatus:
		return ckey{kind: 'r'}, true
	}
	return ckey{}, false
}

// push queues m without blocking.
func (s *Subscription) push(m Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if g, ok := m.(InstanceGone); ok {
		// Nothing queued about a departed instance is worth reading now.
		for _, e := range s.queue[s.head:] {
			if !e.dead && e.msg.About() == g.Key {
				s.kill(e)
			}
		}
	}
	k, coalesce := coalesceKey(m)
	if coalesce {
		if e, ok := s.pending[k]; ok {
			e.msg = m // latest wins, in the older one's place
			return
		}
	}
	if b, ok := m.(SpanBatch); ok && s.live > 0 {
		if last := s.queue[len(s.queue)-1]; !last.dead {
			if lb, ok := last.msg.(SpanBatch); ok && lb.Key == b.Key && len(lb.Spans)+len(b.Spans) <= maxBatch {
				if !last.owned {
					// The batch's slice is shared with other subscribers:
					// grow a copy of our own, then append in place.
					own := make([]wire.Span, len(lb.Spans), min(maxBatch, max(64, 2*(len(lb.Spans)+len(b.Spans)))))
					copy(own, lb.Spans)
					lb.Spans, last.owned = own, true
				}
				lb.Spans = append(lb.Spans, b.Spans...)
				lb.Dropped += b.Dropped
				last.msg = lb
				s.addSpans(len(b.Spans), last)
				return
			}
		}
	}
	// State is bounded by the fleet (one entry per key); the rest by max.
	if !coalesce && s.live-len(s.pending) >= s.max && !s.evictSpans(nil) {
		s.dropped++
		return
	}
	e := &entry{msg: m, key: k}
	if coalesce {
		s.pending[k] = e
	}
	s.queue = append(s.queue, e)
	s.live++
	if b, ok := m.(SpanBatch); ok {
		s.addSpans(len(b.Spans), e)
	}
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// addSpans counts n more queued spans and evicts the oldest batches
// (never keep, the one just grown) while there are too many.
func (s *Subscription) addSpans(n int, keep *entry) {
	s.spans += n
	for s.spans > maxQueuedSpans && s.evictSpans(keep) {
	}
}

// evictSpans drops the oldest queued span batch other than keep, if any.
func (s *Subscription) evictSpans(keep *entry) bool {
	for _, e := range s.queue[s.head:] {
		if _, ok := e.msg.(SpanBatch); ok && !e.dead && e != keep {
			s.kill(e)
			s.dropped++
			return true
		}
	}
	return false
}

func (s *Subscription) kill(e *entry) {
	e.dead = true
	s.live--
	if b, ok := e.msg.(SpanBatch); ok {
		s.spans -= len(b.Spans)
	}
	if p, ok := s.pending[e.key]; ok && p == e {
		delete(s.pending, e.key)
	}
}

// pop takes the next message; the caller holds mu.
func (s *Subscription) pop() (Msg, bool) {
	if n := s.dropped - s.reported; n > 0 {
		s.reported = s.dropped
		return Dropped{N: n}, true
	}
	for s.head < len(s.queue) {
		e := s.queue[s.head]
		s.queue[s.head] = nil
		s.head++
		if e.dead {
			continue
		}
		s.live--
		if b, ok := e.msg.(SpanBatch); ok {
			s.spans -= len(b.Spans)
		}
		if p, ok := s.pending[e.key]; ok && p == e {
			delete(s.pending, e.key)
		}
		if s.head > 64 && s.head*2 > len(s.queue) {
			s.queue = append(s.queue[:0], s.queue[s.head:]...)
			s.head = 0
		}
		return e.msg, true
	}
	s.queue, s.head = s.queue[:0], 0
	return nil, false
}

// TryNext returns the next message if one is queued.
func (s *Subscription) TryNext() (Msg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pop()
}

// Next returns the next message, waiting for one until ctx ends (ctx's
// error) or the subscription or hub is closed (ErrClosed, once the queue
// is empty).
func (s *Subscription) Next(ctx context.Context) (Msg, error) {
	for {
		s.mu.Lock()
		m, ok := s.pop()
		s.mu.Unlock()
		if ok {
			return m, nil
		}
		select {
		case <-s.notify:
		case <-s.done:
			s.mu.Lock()
			m, ok := s.pop()
			s.mu.Unlock()
			if ok {
				return m, nil
			}
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Dropped returns how many messages this subscription has discarded
// because it was read too slowly.
func (s *Subscription) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Close ends the subscription: the hub stops queueing for it, and Next
// returns ErrClosed once the queue is drained. It is idempotent.
func (s *Subscription) Close() {
	s.hub.unsubscribe(s)
	s.close()
}

func (s *Subscription) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}
