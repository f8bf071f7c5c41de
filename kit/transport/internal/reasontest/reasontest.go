// Package reasontest makes the real errors that the transports' reason
// tests send over the wire: a circuit breaker's rejection, a rate limiter's
// refusal and a handler failure whose text must never reach a client. It
// does not import testing, so that kit's product packages stay free of it.
package reasontest

import (
	"context"
	"errors"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/ratelimit"
)

// Secret is the text of ErrHandler; no client may see it.
const Secret = "query on db-3.internal failed: password=hunter2"

// ErrHandler is an endpoint's own failure, with internal text.
var ErrHandler = errors.New(Secret)

// Fataler is the part of testing.TB the helpers use.
type Fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// BreakerRejection returns the error an open kit/circuitbreaker returns
// instead of calling its endpoint.
func BreakerRejection(t Fataler) error {
	t.Helper()
	b, err := circuitbreaker.New("reasontest", circuitbreaker.ConsecutiveFailures(1))
	if err != nil {
		t.Fatalf("reasontest: %v", err)
	}
	call := b.Middleware(func(context.Context, any) (any, error) { return nil, ErrHandler })
	_, _ = call(context.Background(), nil)
	_, rej := call(context.Background(), nil)
	if !errors.Is(rej, circuitbreaker.ErrOpen) {
		t.Fatalf("reasontest: breaker did not open: %v", rej)
	}
	return rej
}

// RateLimited returns the error of a call an erroring kit/ratelimit
// limiter refuses.
func RateLimited(t Fataler) error {
	t.Helper()
	l, err := ratelimit.NewErroring("reasontest", 1e-3, 1)
	if err != nil {
		t.Fatalf("reasontest: %v", err)
	}
	call := l.Middleware(func(context.Context, any) (any, error) { return nil, nil })
	_, _ = call(context.Background(), nil)
	_, lim := call(context.Background(), nil)
	if !errors.Is(lim, ratelimit.ErrLimited) {
		t.Fatalf("reasontest: limiter did not refuse: %v", lim)
	}
	return lim
}
