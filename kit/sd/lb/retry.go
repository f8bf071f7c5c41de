package lb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/transport"
)

// ErrBudgetExhausted is in the chain of a RetryError when the retry budget
// stopped further attempts.
var ErrBudgetExhausted = errors.New("lb: retry budget exhausted")

// Retry returns an endpoint that picks an entry from b and calls it, trying
// again on another pick after a retryable failure, up to max attempts in
// all (max below 1 means 1). The whole call, every attempt included, must
// finish within timeout (zero or less: only the caller's deadline bounds
// it) — go-kit's meaning, so a ported lb.Retry(3, 500*time.Millisecond, b)
// behaves as it did there. AttemptTimeout bounds each attempt as well.
// Retries draw on a Budget: WithBudget shares one, and without it the
// endpoint has a budget of its own, NewBudget(0, 0) — 20 % of its requests
// plus 3 retries per 10 s, so a fleet that keeps failing gets about one
// attempt per call, not max. A nil b has no entries: calls fail with
// sd.ErrNoEndpoints.
//
// Both timeouts are imposed with transport.WithTimeout: when one expires
// the callee was too slow for the time the service gave it, which counts
// as the instance's failure (504), not the caller's deadline.
//
// A failure is retried when the instance failed (transport.StatusOf is 500
// or above, a per-attempt timeout included), the whole-call timeout has not
// passed and the caller's context is still live. Not retried: the caller's
// own cancellation or deadline, client errors (< 500, 429 included: an
// instance asking for less load gets less, and its Retry-After reaches the
// caller), 501 Not Implemented, and sd.ErrNoEndpoints from the balancer.
//
// When one attempt was made and the budget was not the reason, its error is
// returned unchanged; otherwise the error is a *RetryError listing every
// attempt.
//
// If ctx carries a recording span, each attempt adds an "lb.instance" event
// (instance id and address, attempt number) and each retry a "retry" event.
// A Balancer that also has a PickContext(context.Context) method (Outlier
// does) is picked through it, with the call's context.
func Retry(max int, timeout time.Duration, b Balancer, opts ...RetryOption) endpoint.Endpoint {
	var cfg retryConfig
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&cfg)
		}
	}
	if max < 1 {
		max = 1
	}
	budget := cfg.budget
	if budget == nil {
		budget = NewBudget(0, 0)
	}
	if b == nil {
		b = NewRoundRobin(nil)
	}
	pick := func(context.Context) (*sd.Entry, error) { return b.Pick() }
	if cp, ok := b.(contextPicker); ok {
		pick = cp.PickContext
	}
	perAttempt := cfg.attemptTimeout
	return func(ctx context.Context, req any) (any, error) {
		budget.request()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = transport.WithTimeout(ctx, timeout) // imposed: its expiry is the instances' failure
			defer cancel()
		}
		span := trace.SpanFromContext(ctx)
		var (
			attempts []Attempt
			last     *sd.Entry
			denied   bool
		)
		for n := 1; n <= max; n++ {
			if n > 1 {
				if !budget.retry() {
					denied = true
					break
				}
				if span.IsRecording() {
					span.AddEvent("retry", trace.WithAttributes(attribute.Int("retry.attempt", n)))
				}
			}
			e, err := pick(ctx)
			if err == nil && e == last {
				e, err = pick(ctx) // one more draw to try another instance
			}
			if err != nil {
				attempts = append(attempts, Attempt{Err: err})
				break
			}
			last = e
			if span.IsRecording() {
				inst := e.Instance()
				span.AddEvent("lb.instance", trace.WithAttributes(
					attribute.String("instance.id", inst.ID),
					attribute.String("instance.address", inst.Address),
					attribute.Int("retry.attempt", n)))
			}
			resp, err := call(ctx, e, perAttempt, req)
			if err == nil {
				return resp, nil
			}
			inst := e.Instance()
			attempts = append(attempts, Attempt{ID: inst.ID, Address: inst.Address, Err: err})
			if !retryable(ctx, err) {
				break
			}
		}
		if len(attempts) == 1 && !denied {
			return nil, attempts[0].Err
		}
		return nil, &RetryError{Attempts: attempts, BudgetExhausted: denied}
	}
}

// RetryOption configures Retry. It is a struct, not a function type, so
// that an untyped nil — the budget argument of kit's earlier four-argument
// Retry — does not compile as one.
type RetryOption struct {
	apply func(*retryConfig)
}

type retryConfig struct {
	budget         *Budget
	attemptTimeout time.Duration
}

// WithBudget makes Retry draw its retries on b, which may be shared by
// several Retry endpoints calling the same backend. A nil b means a budget
// of the endpoint's own, NewBudget(0, 0), as without the option.
func WithBudget(b *Budget) RetryOption {
	return RetryOption{func(c *retryConfig) { c.budget = b }}
}

// AttemptTimeout gives each attempt its own deadline of d, within Retry's
// whole-call timeout, so one slow instance leaves time to try another
// (a 3-attempt call with a 1 s timeout might use 300 ms per attempt). Zero
// or less means no per-attempt deadline: an attempt may use whatever is
// left of the call's.
func AttemptTimeout(d time.Duration) RetryOption {
	return RetryOption{func(c *retryConfig) { c.attemptTimeout = d }}
}

// contextPicker is a Balancer that can pick on behalf of a call.
type contextPicker interface {
	PickContext(ctx context.Context) (*sd.Entry, error)
}

func call(ctx context.Context, e *sd.Entry, timeout time.Duration, req any) (any, error) {
	if timeout <= 0 {
		return e.Endpoint(ctx, req)
	}
	ctx, cancel := transport.WithTimeout(ctx, timeout) // imposed: its expiry is the instance's failure
	defer cancel()
	return e.Endpoint(ctx, req)
}

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	code := transport.StatusOf(err)
	return code >= 500 && code != http.StatusNotImplemented
}

// Attempt is one try of a retried call. ID and Address are empty when no
// instance could be picked.
type Attempt struct {
	ID      string
	Address string
	Err     error
}

// RetryError is returned by Retry when the call failed after more than one
// attempt, or when the budget allowed no retry. It wraps the last attempt's
// error (and ErrBudgetExhausted when the budget stopped the retries), and
// takes its status code from the last error.
type RetryError struct {
	Attempts        []Attempt // in order; never empty
	BudgetExhausted bool      // the retry budget denied a further attempt
}

func (e *RetryError) last() error { return e.Attempts[len(e.Attempts)-1].Err }

// Error is the last attempt's message, and nothing else: for a client error
// (a 404 after a 503, say) transports send it to the caller, who must not
// learn the fleet's instance addresses or an earlier attempt's internals.
// Detail and LogValue list every attempt, for logs.
func (e *RetryError) Error() string { return e.last().Error() }

// LogValue lists every attempt when the error is logged with log/slog.
func (e *RetryError) LogValue() slog.Value { return slog.StringValue(e.Detail()) }

// Detail lists every attempt: instance, address and error.
func (e *RetryError) Detail() string {
	var b strings.Builder
	if len(e.Attempts) == 1 {
		b.WriteString("lb: 1 attempt failed")
	} else {
		fmt.Fprintf(&b, "lb: %d attempts failed", len(e.Attempts))
	}
	for i, a := range e.Attempts {
		switch {
		case a.Address == "":
			fmt.Fprintf(&b, "; #%d: %v", i+1, a.Err)
		case a.ID == "" || a.ID == a.Address:
			fmt.Fprintf(&b, "; #%d %s: %v", i+1, a.Address, a.Err)
		default:
			fmt.Fprintf(&b, "; #%d %s (%s): %v", i+1, a.ID, a.Address, a.Err)
		}
	}
	if e.BudgetExhausted {
		b.WriteString("; retry budget exhausted")
	}
	return b.String()
}

// Unwrap returns the last attempt's error, and ErrBudgetExhausted when the
// budget stopped the retries.
func (e *RetryError) Unwrap() []error {
	if e.BudgetExhausted {
		return []error{e.last(), ErrBudgetExhausted}
	}
	return []error{e.last()}
}

// StatusCode is the status of the last attempt's error.
func (e *RetryError) StatusCode() int { return transport.StatusOf(e.last()) }
