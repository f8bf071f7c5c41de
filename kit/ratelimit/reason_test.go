package ratelimit_test

import (
	"context"
	"testing"

	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/transport"
)

// TestRefusalReason: a refused call's reason is transport's rate_limited,
// so a client can tell it from the service's own failures.
func TestRefusalReason(t *testing.T) {
	l, err := ratelimit.NewErroring("reason", 1e-3, 1)
	if err != nil {
		t.Fatal(err)
	}
	call := l.Middleware(func(context.Context, any) (any, error) { return nil, nil })
	if _, err := call(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	_, err = call(t.Context(), nil)
	if got := transport.ReasonOf(err); got != transport.ReasonRateLimited {
		t.Errorf("ReasonOf(%v) = %q, want %q", err, got, transport.ReasonRateLimited)
	}
}
