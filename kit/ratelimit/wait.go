package ratelimit

import (
	"container/list"
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/internal/monotime"
)

// waitQueue holds the callers a delaying limiter makes wait, in the order
// they came. Only the front one waits for the bucket; the others wait for
// their turn. A waiter reserves nothing: it takes its token from the
// bucket (AllowN) when it is at the front and the bucket holds one, so one
// that leaves the queue has taken nothing and those behind it move up.
type waitQueue struct {
	mu      sync.Mutex
	waiters list.List // of *waiter
	max     int       // most waiters at once, at least 1
}

// waiter is one waiting caller.
type waiter struct {
	turn chan struct{} // receives (capacity 1) when the waiter reaches the front
}

// passTurn tells the new front waiter, if any, that it is its turn. q.mu
// is held.
func (q *waitQueue) passTurn() {
	if f := q.waiters.Front(); f != nil {
		select {
		case f.Value.(*waiter).turn <- struct{}{}:
		default: // already told
		}
	}
}

// leave removes e from the queue, telling the waiter behind it if e was at
// the front.
func (q *waitQueue) leave(e *list.Element) {
	q.mu.Lock()
	front := q.waiters.Front() == e
	q.waiters.Remove(e)
	if front {
		q.passTurn()
	}
	q.mu.Unlock()
}

// wait takes a token for a delaying limiter, waiting for it if needed.
func (l *Limiter) wait(ctx context.Context) error {
	q := &l.q
	q.mu.Lock()
	now := monotime.Time() // the bucket only measures intervals
	ahead := q.waiters.Len()
	if ahead == 0 && l.lim.AllowN(now, 1) {
		q.mu.Unlock()
		l.allowed.Add(1)
		return nil
	}
	// The wait if no caller ahead leaves: until the bucket has held a
	// token for each of them and one for this call.
	d := l.timeToTokens(now, ahead+1)
	if ahead >= q.max {
		q.mu.Unlock()
		return l.deny(ctx, d, refusedQueue)
	}
	if deadline, ok := ctx.Deadline(); ok && deadline.Sub(now) < d {
		q.mu.Unlock()
		return l.deny(ctx, d, refusedDeadline)
	}
	if err := ctx.Err(); err != nil {
		q.mu.Unlock()
		return fmt.Errorf("ratelimit: waiting for a token: %w", err)
	}
	w := &waiter{turn: make(chan struct{}, 1)}
	e := q.waiters.PushBack(w)
	q.mu.Unlock()

	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.AddEvent("ratelimit", trace.WithAttributes(
			attribute.String("ratelimit.name", l.name),
			attribute.String("ratelimit.decision", "wait"),
			attribute.String("ratelimit.wait", d.String())))
	}
	var timer *time.Timer // armed only while this waiter is at the front
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		var refill <-chan time.Time
		q.mu.Lock()
		if q.waiters.Front() == e {
			now := monotime.Time()
			if l.lim.AllowN(now, 1) {
				q.waiters.Remove(e)
				q.passTurn() // the next may find a token too
				q.mu.Unlock()
				l.allowed.Add(1)
				return nil
			}
			d := l.timeToTokens(now, 1)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			refill = timer.C
		}
		q.mu.Unlock()
		select {
		case <-w.turn:
		case <-refill:
		case <-ctx.Done():
			q.leave(e)
			if span.IsRecording() {
				span.AddEvent("ratelimit", trace.WithAttributes(
					attribute.String("ratelimit.name", l.name),
					attribute.String("ratelimit.decision", "cancelled")))
			}
			return fmt.Errorf("ratelimit: waiting for a token: %w", ctx.Err())
		}
	}
}

// timeToTokens is how long from now until the bucket holds n tokens,
// rounded up to the nanosecond so that a timer of that length finds them.
func (l *Limiter) timeToTokens(now time.Time, n int) time.Duration {
	missing := float64(n) - l.lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	ns := math.Ceil(missing / float64(l.lim.Limit()) * float64(time.Second))
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}
