package circuitbreaker

import (
	"errors"
	"fmt"
	"time"

	"github.com/kitbench/kitbench/kit/introspect"
)

// Defaults used when an option is not given.
const (
	defaultConsecutive = 5
	defaultRatio       = 0.5
	defaultMinRequests = 20
	defaultWindow      = 10 * time.Second
	defaultBuckets     = 10
	defaultOpenTimeout = 30 * time.Second
	defaultHalfOpen    = 1
	maxHalfOpen        = 1 << 20
)

// ErrConfig is wrapped by the error New returns for an invalid option.
var ErrConfig = errors.New("circuitbreaker: invalid configuration")

// Option configures a Breaker. Options are applied in order; a later one
// overrides an earlier one.
type Option func(*config)

type policy uint8

const (
	policyConsecutive policy = iota
	policyRatio
)

type config struct {
	policy      policy
	consecutive uint64
	ratio       float64
	minRequests uint64
	window      time.Duration
	openTimeout time.Duration
	halfOpen    uint64
	isFailure   func(error) bool
	clock       func() time.Time
	registry    *introspect.Registry
	observers   []func(introspect.BreakerTransition)
}

func defaults() config {
	return config{
		policy:      policyConsecutive,
		consecutive: defaultConsecutive,
		ratio:       defaultRatio,
		minRequests: defaultMinRequests,
		window:      defaultWindow,
		openTimeout: defaultOpenTimeout,
		halfOpen:    defaultHalfOpen,
	}
}

func (c *config) validate() error {
	switch {
	case c.policy == policyConsecutive && c.consecutive == 0:
		return fmt.Errorf("%w: ConsecutiveFailures needs n >= 1", ErrConfig)
	case c.policy == policyRatio && !(c.ratio > 0 && c.ratio <= 1):
		return fmt.Errorf("%w: ErrorRatio %v is not in (0, 1]", ErrConfig, c.ratio)
	case c.policy == policyRatio && c.window < defaultBuckets*time.Millisecond:
		return fmt.Errorf("%w: ErrorRatio window %v is shorter than %v", ErrConfig, c.window, defaultBuckets*time.Millisecond)
	case c.openTimeout <= 0:
		return fmt.Errorf("%w: OpenTimeout %v is not positive", ErrConfig, c.openTimeout)
	case c.halfOpen == 0 || c.halfOpen > maxHalfOpen:
		return fmt.Errorf("%w: HalfOpenCalls %d is not in [1, %d]", ErrConfig, c.halfOpen, maxHalfOpen)
	}
	return nil
}

// ConsecutiveFailures selects the consecutive policy (the default, with
// n = 5): the breaker opens on the n-th failure in a row, as sony/gobreaker's
// ConsecutiveFailures count does; any success resets the run. Counts then
// cover the time since the last transition. n must be at least 1.
func ConsecutiveFailures(n uint64) Option {
	return func(c *config) { c.policy, c.consecutive = policyConsecutive, n }
}

// ErrorRatio selects the ratio policy (Hystrix's): the breaker opens when,
// over the rolling window, at least minRequests calls completed and the
// share of failures among them is at least ratio. The window is kept in ten
// buckets, so calls leave it a tenth of the window at a time. Zero ratio
// means 0.5, zero minRequests 20 and zero window 10 s (Hystrix's
// defaults); ratio must be in (0, 1] and the window at least 10 ms. The window restarts empty each time the
// breaker closes.
func ErrorRatio(ratio float64, minRequests uint64, window time.Duration) Option {
	return func(c *config) {
		c.policy, c.ratio = policyRatio, ratio
		c.minRequests, c.window = minRequests, window
		if ratio == 0 {
			c.ratio = defaultRatio
		}
		if minRequests == 0 {
			c.minRequests = defaultMinRequests
		}
		if window == 0 {
			c.window = defaultWindow
		}
	}
}

// OpenTimeout sets how long the breaker stays open before it lets trial
// calls through (half-open). The default is 30 s; d must be positive.
func OpenTimeout(d time.Duration) Option {
	return func(c *config) { c.openTimeout = d }
}

// HalfOpenCalls sets how many trial calls the half-open breaker admits; it
// rejects every other call until they finish, closes when all of them
// succeed and opens again on the first failure. The default is 1.
func HalfOpenCalls(n uint64) Option {
	return func(c *config) { c.halfOpen = n }
}

// IsFailure sets the predicate that decides whether an error returned by
// the endpoint, or carried by a response implementing endpoint.Failer,
// counts as a failure; when it returns false the call counts as a
// success (the downstream answered; the error is the caller's business).
// It is not consulted for the caller's own cancellation or deadline, or
// a cancellation error, which never count (see transport.Classify). A nil
// predicate (the default) counts an error as a failure when
// transport.Classify says transport.Failure: 5xx and errors without a
// status do, client errors (4xx, 429 included) do not. A predicate that
// also counts 429 as a failure:
//
//	circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 429 })
func IsFailure(f func(error) bool) Option {
	return func(c *config) { c.isFailure = f }
}

// WithClock sets the time source. Nil (the default) means time.Now, which
// also follows the fake clock of a testing/synctest bubble.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithRegistry registers the breaker in reg, so the admin handler lists it,
// and publishes each transition there as an introspect.EventBreaker event.
// Nil (the default) registers nowhere.
func WithRegistry(reg *introspect.Registry) Option {
	return func(c *config) { c.registry = reg }
}

// OnTransition adds an observer called with every transition, in order, on
// a goroutine of the breaker's own (never on the call path and with no
// lock held, so it may call the breaker). It may be given more than once.
// While one transition is being observed up to 64 more are queued; beyond
// that the oldest are dropped. Nil functions are ignored.
func OnTransition(f func(introspect.BreakerTransition)) Option {
	return func(c *config) {
		if f != nil {
			c.observers = append(c.observers, f)
		}
	}
}
