package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/monotime"
	"github.com/kitbench/kitbench/kit/introspect"
)

// Errors of the package.
var (
	// ErrLimited is matched (errors.Is) by the error of a call the limiter
	// refused: no token now (erroring limiter), or none before the
	// caller's deadline (delaying limiter).
	ErrLimited = errors.New("ratelimit: rate limit exceeded")
	// ErrTooManyWaiters is matched, besides ErrLimited, by the error of a
	// call a delaying limiter refused because WithMaxWaiters callers
	// already wait for a token.
	ErrTooManyWaiters = errors.New("ratelimit: too many callers waiting")
	// ErrConfig is wrapped by the error a constructor returns for an
	// invalid rate, burst or option.
	ErrConfig = errors.New("ratelimit: invalid configuration")
)

// DefaultMaxWaiters is how many callers a delaying limiter lets wait for a
// token at once unless WithMaxWaiters says otherwise.
const DefaultMaxWaiters = 1000

// Modes as reported by LimiterInfo.
const (
	modeError = "error"
	modeDelay = "delay"
)

// Option configures a Limiter.
type Option func(*Limiter)

// WithRegistry registers the limiter in reg, so the admin handler lists
// it, and publishes its rejections there as coalesced
// introspect.EventLimiter events: at most one per second, carrying the
// count since the previous one. Nil (the default) registers nowhere.
func WithRegistry(reg *introspect.Registry) Option {
	return func(l *Limiter) { l.reg = reg }
}

// WithMaxWaiters bounds how many callers a delaying limiter lets wait for a
// token at once; the next caller is refused at once with an error matching
// ErrLimited and ErrTooManyWaiters, its RetryAfter the wait it would have
// had. n must be at least 1. Without this option the bound is
// DefaultMaxWaiters. An erroring limiter has no waiters and ignores it.
func WithMaxWaiters(n int) Option {
	return func(l *Limiter) { l.q.max = n }
}

// Limiter is a token-bucket rate limiter (golang.org/x/time/rate) for
// endpoints. Create one with NewErroring or NewDelaying and wrap endpoints
// with its Middleware method; every endpoint wrapped by one Limiter draws
// from the same bucket. A Limiter is safe for concurrent use.
type Limiter struct {
	name     string
	mode     string
	lim      *rate.Limiter
	limit    rate.Limit // as configured, for RestoreLimit
	burst    int
	reg      *introspect.Registry
	allowed  atomic.Uint64
	rejected atomic.Uint64
	co       coalescer
	q        waitQueue // the callers a delaying limiter makes wait
}

// NewErroring returns a limiter that admits limit calls per second on
// average, with bursts of up to burst calls, and refuses every call beyond
// that at once with an error matching ErrLimited. The limit must be
// positive and finite and burst at least 1.
func NewErroring(name string, limit rate.Limit, burst int, opts ...Option) (*Limiter, error) {
	return newLimiter(name, modeError, limit, burst, opts)
}

// NewDelaying returns a limiter like NewErroring's that makes a call over
// the limit wait for its token instead of failing. A call whose wait would
// pass its context's deadline, counting the callers already waiting ahead
// of it, or that finds WithMaxWaiters callers waiting, fails at once with
// an error matching ErrLimited. Waiting callers take tokens in the order
// they came; one whose context ends while it waits returns the context's
// error and leaves the bucket as if it had never come.
func NewDelaying(name string, limit rate.Limit, burst int, opts ...Option) (*Limiter, error) {
	return newLimiter(name, modeDelay, limit, burst, opts)
}

func newLimiter(name, mode string, limit rate.Limit, burst int, opts []Option) (*Limiter, error) {
	if !(limit > 0) || limit >= rate.Inf {
		return nil, fmt.Errorf("%w: limit %v is not a positive finite rate", ErrConfig, limit)
	}
	if burst < 1 {
		return nil, fmt.Errorf("%w: burst %d is below 1", ErrConfig, burst)
	}
	l := &Limiter{name: name, mode: mode, lim: rate.NewLimiter(limit, burst), limit: limit, burst: burst}
	l.q.max = DefaultMaxWaiters
	for _, o := range opts {
		if o != nil {
			o(l)
		}
	}
	if l.q.max < 1 {
		return nil, fmt.Errorf("%w: WithMaxWaiters(%d) is below 1", ErrConfig, l.q.max)
	}
	l.co.l = l
	if l.reg != nil {
		l.reg.AddLimiter(l)
	}
	return l, nil
}

// Middleware wraps next in the limiter. Its signature makes the method
// value l.Middleware an endpoint.Middleware.
func (l *Limiter) Middleware(next endpoint.Endpoint) endpoint.Endpoint {
	if l.mode == modeDelay {
		return func(ctx context.Context, request any) (any, error) {
			if err := l.wait(ctx); err != nil {
				return nil, err
			}
			return next(ctx, request)
		}
	}
	return func(ctx context.Context, request any) (any, error) {
		now := monotime.Time() // the bucket only measures intervals
		if !l.lim.AllowN(now, 1) {
			return nil, l.deny(ctx, l.retryAfter(now), refusedNow)
		}
		l.allowed.Add(1)
		return next(ctx, request)
	}
}

// retryAfter is how long until the bucket holds a whole token.
func (l *Limiter) retryAfter(now time.Time) time.Duration {
	missing := 1 - l.lim.TokensAt(now)
	return max(time.Duration(missing/float64(l.lim.Limit())*float64(time.Second)), time.Nanosecond)
}

// deny counts a refused call and returns its error.
func (l *Limiter) deny(ctx context.Context, retry time.Duration, why refusal) error {
	l.rejected.Add(1)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent("ratelimit", trace.WithAttributes(
			attribute.String("ratelimit.name", l.name),
			attribute.String("ratelimit.decision", "deny"),
			attribute.String("ratelimit.retry_after", retry.String())))
	}
	if l.reg != nil {
		l.co.rejected(time.Now()) // an event's time is read by people: the wall clock
	}
	return &limitedError{retry: retry, why: why}
}

// LimiterInfo returns a snapshot of the limiter: mode, rate, burst, whole
// and fractional tokens in the bucket now (below 1 while callers wait: a
// waiter takes its token when there is a whole one), and the calls allowed
// and refused since it was created. Cancelled waits count as neither.
func (l *Limiter) LimiterInfo() introspect.Limiter {
	return introspect.Limiter{
		Name:     l.name,
		Mode:     l.mode,
		Rate:     float64(l.lim.Limit()),
		Burst:    l.lim.Burst(),
		Tokens:   max(l.lim.TokensAt(time.Now()), 0),
		Allowed:  l.allowed.Load(),
		Rejected: l.rejected.Load(),
	}
}

// refusal is why a call was refused.
type refusal uint8

const (
	refusedNow      refusal = iota // erroring limiter: no token now
	refusedDeadline                // delaying limiter: none before the deadline
	refusedQueue                   // delaying limiter: WithMaxWaiters callers wait
)

// limitedError is the error of a refused call.
type limitedError struct {
	retry time.Duration
	why   refusal
}

func (e *limitedError) Error() string {
	switch e.why {
	case refusedDeadline:
		return fmt.Sprintf("ratelimit: rate limit exceeded: a token is %v away, past the deadline", e.retry)
	case refusedQueue:
		return fmt.Sprintf("ratelimit: rate limit exceeded: too many calls already waiting, retry after %v", e.retry)
	}
	return fmt.Sprintf("ratelimit: rate limit exceeded, retry after %v", e.retry)
}

// Unwrap makes errors.Is(err, ErrLimited) true.
func (e *limitedError) Unwrap() error { return ErrLimited }

// Is makes errors.Is(err, ErrTooManyWaiters) true for a refusal by a full
// queue of waiters.
func (e *limitedError) Is(target error) bool {
	return target == ErrTooManyWaiters && e.why == refusedQueue
}

// StatusCode is 429 Too Many Requests (gRPC ResourceExhausted).
func (e *limitedError) StatusCode() int { return 429 }

// ErrorReason is "rate_limited" (kit/transport's ReasonRateLimited, spelt
// out so that this package does not import the transports' vocabulary).
func (e *limitedError) ErrorReason() string { return "rate_limited" }

// RetryAfter is when a token will be available.
func (e *limitedError) RetryAfter() time.Duration { return e.retry }
