package circuitbreaker_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// slowUpstream answers after d, or reports a gRPC DeadlineExceeded (as a
// gRPC client does) when the call's context ends first.
func slowUpstream(d time.Duration) endpoint.Endpoint {
	return func(ctx context.Context, _ any) (any, error) {
		select {
		case <-time.After(d):
			return "ok", nil
		case <-ctx.Done():
			return nil, status.Error(codes.DeadlineExceeded, "context deadline exceeded")
		}
	}
}

// Five callers whose own 10 ms deadline passes against a 30 ms upstream
// are impatient, not evidence that the upstream is broken: the breaker
// every caller shares stays closed and counts nothing.
func TestCallerDeadlineDoesNotTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t) // the default policy: 5 consecutive failures
		e := b.Middleware(slowUpstream(30 * time.Millisecond))
		for range 5 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			_, err := e(ctx, nil)
			cancel()
			if transport.StatusOf(err) != 504 {
				t.Fatalf("call error %v, want a deadline", err)
			}
		}
		info := b.BreakerInfo()
		if info.State != introspect.StateClosed || info.Counts.Failures != 0 || info.Counts.Requests != 0 {
			t.Fatalf("after 5 callers' own deadlines: state %s, counts %+v; want closed and nothing counted", info.State, info.Counts)
		}
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("a patient caller got %v", err)
		}
	})
}

// A timeout imposed on the call inside the breaker (a balancer's per-attempt
// timeout) is the upstream's failure: the caller's context is still live.
func TestImposedTimeoutTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(5))
		up := slowUpstream(30 * time.Millisecond)
		e := b.Middleware(func(ctx context.Context, req any) (any, error) {
			ctx, cancel := transport.WithTimeout(ctx, 10*time.Millisecond)
			defer cancel()
			return up(ctx, req)
		})
		for range 5 {
			e(context.Background(), nil)
		}
		if got := state(b); got != introspect.StateOpen {
			t.Fatalf("after 5 imposed timeouts: state %s, want open", got)
		}
	})
}

// A raw gRPC status from a handler keeps its meaning: NotFound is a client
// error under the default classification and under a ">= 500" predicate.
func TestRawGRPCClientErrorDoesNotTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		notFound := fmt.Errorf("books: %w", status.Error(codes.NotFound, "no book 7"))
		for name, opts := range map[string][]circuitbreaker.Option{
			"default":   {circuitbreaker.ConsecutiveFailures(1)},
			"predicate": {circuitbreaker.ConsecutiveFailures(1), circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 })},
		} {
			b := mustNew(t, opts...)
			var s stub
			s.fail(notFound)
			e := b.Middleware(s.endpoint)
			for range 3 {
				e(context.Background(), nil)
			}
			if info := b.BreakerInfo(); info.State != introspect.StateClosed || info.Counts.Successes != 3 {
				t.Errorf("%s: after 3 raw NotFound: state %s, counts %+v; want closed, 3 successes", name, info.State, info.Counts)
			}
			s.fail(status.Error(codes.Unavailable, "down"))
			e(context.Background(), nil)
			if got := state(b); got != introspect.StateOpen {
				t.Errorf("%s: after a raw Unavailable: state %s, want open", name, got)
			}
		}
	})
}

// Without a predicate, a client error (429 included) counts as a success.
func TestDefaultClassification(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(1))
		var s stub
		e := b.Middleware(s.endpoint)
		for _, err := range []error{transport.NewError(400, "bad"), transport.NewError(404, "none"),
			transport.NewError(429, "slow down"), status.Error(codes.PermissionDenied, "no")} {
			s.fail(err)
			e(context.Background(), nil)
		}
		if info := b.BreakerInfo(); info.State != introspect.StateClosed || info.Counts.Successes != 4 {
			t.Fatalf("after client errors: state %s, counts %+v; want closed, 4 successes", info.State, info.Counts)
		}
		s.fail(transport.NewError(500, "boom"))
		e(context.Background(), nil)
		if got := state(b); got != introspect.StateOpen {
			t.Fatalf("after a 500: state %s, want open", got)
		}
	})
}
