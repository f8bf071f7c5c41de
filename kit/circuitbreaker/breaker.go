package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

type state uint8

const (
	closed state = iota
	open
	halfOpen
)

func (s state) String() string {
	switch s {
	case open:
		return introspect.StateOpen
	case halfOpen:
		return introspect.StateHalfOpen
	}
	return introspect.StateClosed
}

// record is one generation of the breaker: a state and its counts. A
// transition replaces the whole record with a compare-and-swap, so a call
// that finishes after its generation ended counts in a record nobody reads.
type record struct {
	b      *Breaker
	state  state
	since  time.Time // when the breaker entered this state
	until  time.Time // open: when trial calls may begin
	win    *window   // closed under the ratio policy
	frozen introspect.BreakerCounts
	forced bool // held by ForceState: the policy makes no transition

	ok          atomic.Uint64 // closed, consecutive policy: successes
	successes   atomic.Uint64 // half-open: successful trials
	failures    atomic.Uint64
	admitted    atomic.Uint64 // half-open: trial calls admitted
	consecutive atomic.Uint64 // read by every success, written by failures
}

// Breaker is a circuit breaker. Create one with New and wrap endpoints
// with its Middleware method; every endpoint wrapped by one Breaker shares
// its state. A Breaker is safe for concurrent use.
type Breaker struct {
	name  string
	cfg   config
	start time.Time
	cur   atomic.Pointer[record]

	rejected atomic.Uint64
	pubMu    sync.Mutex // orders transitions with their publication
	ring     failureRing
	subs     subscribers
	notify   notifier
}

// New returns a closed breaker with the given name (shown by the
// introspection protocol and in span events). With no options it opens on
// the 5th consecutive failure, stays open 30 s and then admits one trial
// call. An invalid option yields an error wrapping ErrConfig.
func New(name string, opts ...Option) (*Breaker, error) {
	cfg := defaults()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	b := &Breaker{name: name, cfg: cfg}
	b.notify.fns = cfg.observers
	b.start = b.now()
	b.cur.Store(b.newRecord(closed, b.start))
	if cfg.registry != nil {
		cfg.registry.AddBreaker(b)
	}
	return b, nil
}

// Middleware wraps next in the breaker. Its signature makes the method
// value b.Middleware an endpoint.Middleware.
func (b *Breaker) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		r := b.cur.Load()
		if r.state != closed {
			return b.callNotClosed(ctx, r, next, request)
		}
		return b.callClosed(ctx, r, next, request)
	}
}

func (b *Breaker) callClosed(ctx context.Context, r *record, next endpoint.Endpoint, request any) (any, error) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		b.spanEvent(span, closed, false)
	}
	resp, err := next(ctx, request)
	failed, ferr, counted := b.classify(ctx, resp, err)
	switch {
	case !counted:
	case failed:
		b.closedFailure(ctx, r, ferr)
	default:
		if r.win != nil {
			r.win.add(r.win.index(int64(b.since(b.start))), false)
		} else {
			r.ok.Add(1)
		}
		if r.consecutive.Load() != 0 {
			r.consecutive.Store(0)
		}
	}
	return resp, err
}

func (b *Breaker) callNotClosed(ctx context.Context, r *record, next endpoint.Endpoint, request any) (any, error) {
	for r.state == open {
		if r.forced || b.since(r.since) < b.cfg.openTimeout {
			return nil, b.reject(ctx, r)
		}
		b.transition(r, halfOpen, b.now())
		r = b.cur.Load()
	}
	if r.state == closed {
		return b.callClosed(ctx, r, next, request)
	}
	if !r.admit(b.cfg.halfOpen) {
		return nil, b.reject(ctx, r)
	}
	return b.trial(ctx, r, next, request)
}

func (b *Breaker) reject(ctx context.Context, r *record) error {
	b.rejected.Add(1)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		b.spanEvent(span, r.state, true)
	}
	return (*openError)(r)
}

// admit takes one of the half-open record's trial slots.
func (r *record) admit(limit uint64) bool {
	for {
		n := r.admitted.Load()
		if n >= limit {
			return false
		}
		if r.admitted.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// trial runs one half-open trial call. A trial whose outcome does not
// count (the caller cancelled, or next panicked) gives its slot back.
func (b *Breaker) trial(ctx context.Context, r *record, next endpoint.Endpoint, request any) (resp any, err error) {
	settled := false
	defer func() {
		if !settled {
			r.admitted.Add(^uint64(0))
		}
	}()
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		b.spanEvent(span, halfOpen, false)
	}
	resp, err = next(ctx, request)
	failed, ferr, counted := b.classify(ctx, resp, err)
	switch {
	case !counted:
	case failed:
		settled = true
		now := b.now()
		r.failures.Add(1)
		r.consecutive.Add(1)
		b.ring.add(ctx, now, ferr)
		b.transition(r, open, now)
	default:
		settled = true
		r.consecutive.Store(0)
		if r.successes.Add(1) >= b.cfg.halfOpen {
			b.transition(r, closed, b.now())
		}
	}
	return resp, err
}

// classify reports whether a call counts and, if so, whether it failed
// and with which error. transport.Classify decides: the caller's own
// cancellation or deadline counts as nothing; otherwise IsFailure, when
// set, has the last word, and by default only a Failure (the downstream's
// fault) fails the call while a client error counts as a success.
func (b *Breaker) classify(ctx context.Context, resp any, err error) (failed bool, ferr error, counted bool) {
	if err == nil {
		f, ok := resp.(endpoint.Failer)
		if !ok {
			return false, nil, true
		}
		if err = f.Failed(); err == nil {
			return false, nil, true
		}
	}
	class := transport.Classify(ctx, err)
	switch {
	case class == transport.Canceled, class == transport.CallerDeadline:
		return false, nil, false // the caller gave up; says nothing of the downstream
	case b.cfg.isFailure != nil:
		if !b.cfg.isFailure(err) {
			return false, nil, true
		}
	case class != transport.Failure:
		return false, nil, true
	}
	return true, err, true
}

func (b *Breaker) closedFailure(ctx context.Context, r *record, err error) {
	now := b.now()
	b.ring.add(ctx, now, err)
	consecutive := r.consecutive.Add(1)
	if r.win == nil {
		r.failures.Add(1)
		if consecutive >= b.cfg.consecutive {
			b.transition(r, open, now)
		}
		return
	}
	idx := r.win.index(now.Sub(b.start).Nanoseconds())
	r.win.add(idx, true)
	s, f := r.win.sum(idx)
	if n := s + f; n >= b.cfg.minRequests && float64(f) >= b.cfg.ratio*float64(n) {
		b.transition(r, open, now)
	}
}

func (b *Breaker) newRecord(s state, now time.Time) *record {
	r := &record{b: b, state: s, since: now}
	switch {
	case s == open:
		r.until = now.Add(b.cfg.openTimeout)
	case s == closed && b.cfg.policy == policyRatio:
		r.win = newWindow(int64(b.cfg.window/defaultBuckets), defaultBuckets)
	}
	return r
}

// transition moves the breaker from record from to a new record in state
// to, and publishes the change. It does nothing if from is no longer
// current (another call made the transition first), or is forced.
func (b *Breaker) transition(from *record, to state, now time.Time) {
	if from.forced {
		return
	}
	b.replace(from, b.newRecord(to, now), now)
}

// replace swaps record from for nr and publishes the transition, if the
// state changes; it does nothing, and returns false, if from is no longer
// current.
func (b *Breaker) replace(from, nr *record, now time.Time) bool {
	to := nr.state
	counts := b.counts(from, now)
	if to == open {
		nr.frozen = counts
	}
	b.pubMu.Lock()
	defer b.pubMu.Unlock()
	if !b.cur.CompareAndSwap(from, nr) {
		return false
	}
	if from.state == to {
		return true
	}
	t := introspect.BreakerTransition{
		Name: b.name, From: from.state.String(), To: to.String(), Time: now, Counts: counts,
	}
	if to == open {
		after := from.since
		if start := now.Add(-b.cfg.window); from.win != nil && start.After(after) {
			after = start
		}
		t.Failures = b.ring.since(after)
	}
	b.publish(t)
	return true
}

// counts returns the counts of record r at time now.
func (b *Breaker) counts(r *record, now time.Time) introspect.BreakerCounts {
	var c introspect.BreakerCounts
	switch {
	case r.state == open:
		c = r.frozen
	case r.win != nil:
		c.Successes, c.Failures = r.win.sum(r.win.index(now.Sub(b.start).Nanoseconds()))
		c.ConsecutiveFailures = r.consecutive.Load()
	default:
		c.Successes, c.Failures = r.ok.Load()+r.successes.Load(), r.failures.Load()
		c.ConsecutiveFailures = r.consecutive.Load()
	}
	c.Requests = c.Successes + c.Failures
	c.Rejected = b.rejected.Load()
	return c
}

func (b *Breaker) now() time.Time {
	if b.cfg.clock != nil {
		return b.cfg.clock()
	}
	return time.Now()
}

// since returns the time elapsed since t; with the default clock it reads
// only the monotonic clock, which costs half of time.Now.
func (b *Breaker) since(t time.Time) time.Duration {
	if b.cfg.clock != nil {
		return b.cfg.clock().Sub(t)
	}
	return time.Since(t)
}

// ErrOpen is matched (errors.Is) by the error a breaker returns instead of
// calling the endpoint, while it is open or while its half-open trial
// calls are under way.
var ErrOpen = errors.New("circuitbreaker: breaker is open")

// openError is the rejection error: the record that rejected the call,
// so returning it costs no allocation.
type openError record

func (e *openError) Error() string {
	return fmt.Sprintf("circuitbreaker: %s: breaker is %s", e.b.name, e.state)
}

// Unwrap makes errors.Is(err, ErrOpen) true.
func (e *openError) Unwrap() error { return ErrOpen }

// StatusCode is 503 Service Unavailable (gRPC Unavailable).
func (e *openError) StatusCode() int { return 503 }

// ErrorReason is transport.ReasonBreakerOpen, so a caller can tell the
// breaker's refusal from a failure of the endpoint behind it.
func (e *openError) ErrorReason() string { return transport.ReasonBreakerOpen }

// RetryAfter is the time left until the breaker admits trial calls (at
// least a millisecond), or one second when trial calls are already under
// way.
func (e *openError) RetryAfter() time.Duration {
	if e.state != open {
		return time.Second
	}
	return max(e.until.Sub(e.b.now()), time.Millisecond)
}
