package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/transport"
)

// TestRejectionReason: the breaker's refusal says breaker_open; the
// failure that opened it keeps its own reason.
func TestRejectionReason(t *testing.T) {
	b, err := circuitbreaker.New("reason", circuitbreaker.ConsecutiveFailures(1))
	if err != nil {
		t.Fatal(err)
	}
	call := b.Middleware(func(context.Context, any) (any, error) { return nil, errors.New("db down") })
	_, failure := call(t.Context(), nil)
	_, rejection := call(t.Context(), nil)
	if got := transport.ReasonOf(failure); got != transport.ReasonInternal {
		t.Errorf("failure reason %q, want %q", got, transport.ReasonInternal)
	}
	if got := transport.ReasonOf(rejection); got != transport.ReasonBreakerOpen {
		t.Errorf("rejection reason %q, want %q", got, transport.ReasonBreakerOpen)
	}
}
