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
	// ErrConfig is wrapped by the error a constructor returns for an
	// invalid rate, burst or option.
	ErrConfig = errors.New("ratelimit: invalid configuration")
)

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

// Limiter is a token-bucket rate limiter (golang.org/x/time/rate) for
// endpoints. Create one with NewErroring or NewDelaying and wrap endpoints
// with its Middleware method; every endpoint wrapped by one Limiter draws
// from the same bucket. A Limiter is safe for concurrent use.
type Limiter struct {
	name     string
	mode     string
	lim      *rate.Limiter
	reg      *introspect.Registry
	allowed  atomic.Uint64
	rejected atomic.Uint64
	co       coalescer
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
// pass its context's deadline fails at once with an error matching
// ErrLimited; a call whose context ends while it waits returns the
// context's error and gives its token back.
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
	l := &Limiter{name: name, mode: mode, lim: rate.NewLimiter(limit, burst)}
	for _, o := range opts {
		if o != nil {
			o(l)
		}
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
			return nil, l.deny(ctx, l.retryAfter(now), false)
		}
		l.allowed.Add(1)
		return next(ctx, request)
	}
}

// wait takes a token for a delaying limiter, waiting for it if needed.
func (l *Limiter) wait(ctx context.Context) error {
	now := monotime.Time()
	if l.lim.AllowN(now, 1) {
		l.allowed.Add(1)
		return nil
	}
	r := l.lim.ReserveN(now, 1) // burst >= 1, so always OK
	d := r.DelayFrom(now)
	if deadline, ok := ctx.Deadline(); ok && deadline.Sub(now) < d {
		r.CancelAt(now)
		return l.deny(ctx, d, true)
	}
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.AddEvent("ratelimit", trace.WithAttributes(
			attribute.String("ratelimit.name", l.name),
			attribute.String("ratelimit.decision", "wait"),
			attribute.String("ratelimit.wait", d.String())))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		l.allowed.Add(1)
		return nil
	case <-ctx.Done():
		r.Cancel() // give the token back to later callers
		if span.IsRecording() {
			span.AddEvent("ratelimit", trace.WithAttributes(
				attribute.String("ratelimit.name", l.name),
				attribute.String("ratelimit.decision", "cancelled")))
		}
		return fmt.Errorf("ratelimit: waiting for a token: %w", ctx.Err())
	}
}

// retryAfter is how long until the bucket holds a whole token.
func (l *Limiter) retryAfter(now time.Time) time.Duration {
	missing := 1 - l.lim.TokensAt(now)
	return max(time.Duration(missing/float64(l.lim.Limit())*float64(time.Second)), time.Nanosecond)
}

// deny counts a refused call and returns its error.
func (l *Limiter) deny(ctx context.Context, retry time.Duration, deadline bool) error {
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
	return &limitedError{retry: retry, deadline: deadline}
}

// LimiterInfo returns a snapshot of the limiter: mode, rate, burst, whole
// and fractional tokens available now (0 while callers wait for reserved
// tokens), and the calls allowed and refused since it was created.
// Cancelled waits count as neither.
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

// limitedError is the error of a refused call.
type limitedError struct {
	retry    time.Duration
	deadline bool
}

func (e *limitedError) Error() string {
	if e.deadline {
		return fmt.Sprintf("ratelimit: rate limit exceeded: a token is %v away, past the deadline", e.retry)
	}
	return fmt.Sprintf("ratelimit: rate limit exceeded, retry after %v", e.retry)
}

// Unwrap makes errors.Is(err, ErrLimited) true.
func (e *limitedError) Unwrap() error { return ErrLimited }

// StatusCode is 429 Too Many Requests (gRPC ResourceExhausted).
func (e *limitedError) StatusCode() int { return 429 }

// RetryAfter is when a token will be available.
func (e *limitedError) RetryAfter() time.Duration { return e.retry }
