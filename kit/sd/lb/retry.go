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
// all (max below 1 means 1). Each attempt gets its own deadline of timeout
// (zero or less: only the caller's). Retries draw on budget; nil gives the
// endpoint a budget of its own with NewBudget(0, 0). A nil b has no
// entries: calls fail with sd.ErrNoEndpoints.
//
// A failure is retried when the instance failed (transport.StatusOf is 500
// or above, a per-attempt timeout included) and the caller's context is
// still live. Not retried: the caller's own cancellation or deadline, client
// errors (< 500, 429 included: an instance asking for less load gets less,
// and its Retry-After reaches the caller), 501 Not Implemented, and
// sd.ErrNoEndpoints from the balancer.
//
// When one attempt was made and the budget was not the reason, its error is
// returned unchanged; otherwise the error is a *RetryError listing every
// attempt.
//
// If ctx carries a recording span, each attempt adds an "lb.instance" event
// (instance id and address, attempt number) and each retry a "retry" event.
// A Balancer that also has a PickContext(context.Context) method (Outlier
// does) is picked through it, with the call's context.
func Retry(max int, timeout time.Duration, b Balancer, budget *Budget) endpoint.Endpoint {
	if max < 1 {
		max = 1
	}
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
	return func(ctx context.Context, req any) (any, error) {
		budget.request()
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
			resp, err := call(ctx, e, timeout, req)
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
	fmt.Fprintf(&b, "lb: %d attempts failed", len(e.Attempts))
	for i, a := range e.Attempts {
		if a.Address == "" {
			fmt.Fprintf(&b, "; #%d: %v", i+1, a.Err)
			continue
		}
		fmt.Fprintf(&b, "; #%d %s (%s): %v", i+1, a.ID, a.Address, a.Err)
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
