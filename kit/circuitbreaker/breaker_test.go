package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc/codes"
)

var errBoom = errors.New("boom")

// stub is an endpoint whose outcome the test sets, counting its calls.
type stub struct {
	calls atomic.Int64
	err   atomic.Pointer[error]
}

func (s *stub) fail(err error) { s.err.Store(&err) }
func (s *stub) succeed()       { s.err.Store(nil) }

func (s *stub) endpoint(context.Context, any) (any, error) {
	s.calls.Add(1)
	if p := s.err.Load(); p != nil {
		return nil, *p
	}
	return "ok", nil
}

func mustNew(t *testing.T, opts ...circuitbreaker.Option) *circuitbreaker.Breaker {
	t.Helper()
	b, err := circuitbreaker.New("test", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func state(b *circuitbreaker.Breaker) string { return b.BreakerInfo().State }

func TestConsecutiveTripsExactlyAndRejects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(3), circuitbreaker.OpenTimeout(30*time.Second))
		var s stub
		e := b.Middleware(s.endpoint)
		ctx := context.Background()

		s.fail(errBoom)
		e(ctx, nil)
		e(ctx, nil)
		s.succeed()
		e(ctx, nil) // resets the run
		s.fail(errBoom)
		for i := range 2 {
			if _, err := e(ctx, nil); !errors.Is(err, errBoom) {
				t.Fatalf("failure %d: err = %v", i, err)
			}
			if got := state(b); got != introspect.StateClosed {
				t.Fatalf("after %d consecutive failures: state %s, want closed", i+1, got)
			}
		}
		if _, err := e(ctx, nil); !errors.Is(err, errBoom) {
			t.Fatalf("third failure: err = %v", err)
		}
		if got := state(b); got != introspect.StateOpen {
			t.Fatalf("after 3 consecutive failures: state %s, want open", got)
		}

		before := s.calls.Load()
		time.Sleep(10 * time.Second)
		for range 100 {
			_, err := e(ctx, nil)
			if !errors.Is(err, circuitbreaker.ErrOpen) {
				t.Fatalf("open breaker returned %v, want ErrOpen", err)
			}
			if d, ok := transport.RetryAfterOf(err); !ok || d != 20*time.Second {
				t.Fatalf("RetryAfter = %v, %v; want 20s", d, ok)
			}
			if st := transport.StatusOf(err); st != 503 || kitgrpc.Code(st) != codes.Unavailable {
				t.Fatalf("status %d / %v, want 503 / Unavailable", st, kitgrpc.Code(st))
			}
		}
		if n := s.calls.Load() - before; n != 0 {
			t.Fatalf("open breaker called the endpoint %d times", n)
		}
		if got := b.BreakerInfo().Counts.Rejected; got != 100 {
			t.Fatalf("Rejected = %d, want 100", got)
		}
	})
}

func TestHalfOpenAdmitsExactlyTrialCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const trials, callers = 3, 50
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(1),
			circuitbreaker.OpenTimeout(5*time.Second), circuitbreaker.HalfOpenCalls(trials))
		gate := make(chan struct{})
		var entered atomic.Int64
		e := b.Middleware(func(ctx context.Context, req any) (any, error) {
			if req == "fail" {
				return nil, errBoom
			}
			entered.Add(1)
			<-gate
			return "ok", nil
		})
		ctx := context.Background()
		e(ctx, "fail")
		if state(b) != introspect.StateOpen {
			t.Fatal("breaker did not open")
		}
		time.Sleep(5 * time.Second)

		var wg sync.WaitGroup
		var rejected, passed atomic.Int64
		for range callers {
			wg.Go(func() {
				_, err := e(ctx, "ok")
				switch {
				case errors.Is(err, circuitbreaker.ErrOpen):
					rejected.Add(1)
				case err == nil:
					passed.Add(1)
				default:
					t.Errorf("unexpected error %v", err)
				}
			})
		}
		synctest.Wait() // every caller has been rejected or is inside a trial
		if got := entered.Load(); got != trials {
			t.Fatalf("%d trial calls entered the endpoint, want %d", got, trials)
		}
		if got := rejected.Load(); got != callers-trials {
			t.Fatalf("%d callers rejected, want %d", got, callers-trials)
		}
		if got := state(b); got != introspect.StateHalfOpen {
			t.Fatalf("state during trials = %s, want half-open", got)
		}
		close(gate)
		wg.Wait()
		if passed.Load() != trials {
			t.Fatalf("%d trial calls passed, want %d", passed.Load(), trials)
		}
		if got := state(b); got != introspect.StateClosed {
			t.Fatalf("state after successful trials = %s, want closed", got)
		}
		if _, err := e(ctx, "fail"); !errors.Is(err, errBoom) {
			t.Fatalf("closed breaker: err = %v", err)
		}
	})
}

func TestHalfOpenFailureReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(1), circuitbreaker.OpenTimeout(time.Minute))
		var s stub
		s.fail(errBoom)
		e := b.Middleware(s.endpoint)
		e(context.Background(), nil)
		time.Sleep(time.Minute)
		if _, err := e(context.Background(), nil); !errors.Is(err, errBoom) {
			t.Fatalf("trial call: err = %v, want the endpoint's", err)
		}
		_, err := e(context.Background(), nil)
		if d, _ := transport.RetryAfterOf(err); !errors.Is(err, circuitbreaker.ErrOpen) || d != time.Minute {
			t.Fatalf("after failed trial: err = %v, retry after %v; want ErrOpen, 1m", err, d)
		}
		if s.calls.Load() != 2 {
			t.Fatalf("endpoint called %d times, want 2", s.calls.Load())
		}
	})
}

func TestHalfOpenSlotReturnedOnCancelAndPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(1), circuitbreaker.OpenTimeout(time.Second))
		var s stub
		s.fail(errBoom)
		e := b.Middleware(s.endpoint)
		e(context.Background(), nil)
		time.Sleep(time.Second)

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s.fail(context.Canceled)
		e(ctx, nil) // a cancelled trial settles nothing and frees its slot
		func() {
			defer func() { _ = recover() }()
			b.Middleware(func(context.Context, any) (any, error) { panic("downstream bug") })(context.Background(), nil)
		}()
		s.succeed()
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("trial after cancelled and panicking trials: %v", err)
		}
		if got := state(b); got != introspect.StateClosed {
			t.Fatalf("state = %s, want closed", got)
		}
	})
}

func TestErrorClassification(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errNotFound := transport.NewError(404, "no such book")
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(3),
			circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }))
		var s stub
		e := b.Middleware(s.endpoint)

		// The caller's own cancellation never counts.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s.fail(context.Canceled)
		for range 10 {
			e(ctx, nil)
		}
		// Client errors are the caller's business: successes.
		s.fail(errNotFound)
		e(context.Background(), nil)
		c := b.BreakerInfo().Counts
		if c.Requests != 1 || c.Successes != 1 || c.Failures != 0 {
			t.Fatalf("counts after cancellations and a 404 = %+v, want 1 success", c)
		}
		// A slow downstream is a failure even when the caller's context is live.
		s.fail(fmt.Errorf("calling books: %w", context.DeadlineExceeded))
		e(context.Background(), nil)
		// So is a response that carries a server error.
		fe := b.Middleware(func(context.Context, any) (any, error) {
			return failed{transport.NewError(502, "bad gateway")}, nil
		})
		fe(context.Background(), nil)
		if c := b.BreakerInfo().Counts; c.Failures != 2 || c.ConsecutiveFailures != 2 {
			t.Fatalf("counts = %+v, want 2 failures in a row", c)
		}
		fe(context.Background(), nil)
		if got := state(b); got != introspect.StateOpen {
			t.Fatalf("state = %s, want open", got)
		}
	})
}

type failed struct{ err error }

func (f failed) Failed() error { return f.err }

var _ endpoint.Failer = failed{}

func TestRatioPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, circuitbreaker.ErrorRatio(0.5, 20, 10*time.Second))
		var s stub
		e := b.Middleware(s.endpoint)
		ctx := context.Background()

		// Below the minimum volume nothing trips, even at 100 % failures.
		s.fail(errBoom)
		for range 19 {
			e(ctx, nil)
		}
		if got := state(b); got != introspect.StateClosed {
			t.Fatalf("19 failures below min volume: state %s", got)
		}
		// The window rolls: after 10 s those failures are gone.
		time.Sleep(10 * time.Second)
		if c := b.BreakerInfo().Counts; c.Requests != 0 {
			t.Fatalf("counts after the window passed = %+v, want empty", c)
		}
		s.succeed()
		for range 10 {
			e(ctx, nil)
		}
		time.Sleep(5 * time.Second)
		s.fail(errBoom)
		for i := range 9 {
			e(ctx, nil)
			if got := state(b); got != introspect.StateClosed {
				t.Fatalf("after %d of 19 calls failed: state %s", i+1, got)
			}
		}
		info := b.BreakerInfo()
		if info.Counts.Requests != 19 || info.Counts.Failures != 9 {
			t.Fatalf("counts = %+v, want 19 requests, 9 failures", info.Counts)
		}
		// Part of the window expires: the 10 successes (t=10 s) leave at t=20 s.
		time.Sleep(5 * time.Second)
		if c := b.BreakerInfo().Counts; c.Requests != 9 {
			t.Fatalf("counts after the successes expired = %+v, want 9 requests", c)
		}
		s.succeed()
		for range 10 {
			e(ctx, nil)
		}
		s.fail(errBoom)
		e(ctx, nil) // 20 requests, 10 failures: 50 %
		info = b.BreakerInfo()
		if info.State != introspect.StateOpen {
			t.Fatalf("20 requests at 50 %% failures: state %s, want open (counts %+v)", info.State, info.Counts)
		}
		if info.Counts.Requests != 20 || info.Counts.Failures != 10 || info.ErrorRatio != 0.5 {
			t.Fatalf("open counts = %+v ratio %v, want the tripping window", info.Counts, info.ErrorRatio)
		}
		want := introspect.BreakerSettings{Policy: "ratio", ErrorRatio: 0.5, MinRequests: 20,
			WindowNS: int64(10 * time.Second), OpenTimeoutNS: int64(30 * time.Second), HalfOpenMaxCalls: 1}
		if info.Settings != want {
			t.Fatalf("settings = %+v, want %+v", info.Settings, want)
		}
	})
}

func TestRatioWindowRestartsOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, circuitbreaker.ErrorRatio(0.5, 4, 10*time.Second), circuitbreaker.OpenTimeout(time.Second))
		var s stub
		s.fail(errBoom)
		e := b.Middleware(s.endpoint)
		for range 4 {
			e(context.Background(), nil)
		}
		time.Sleep(time.Second)
		s.succeed()
		e(context.Background(), nil) // trial closes
		s.fail(errBoom)
		e(context.Background(), nil)
		if info := b.BreakerInfo(); info.State != introspect.StateClosed || info.Counts.Requests != 1 {
			t.Fatalf("after closing: %+v, want closed with fresh counts", info)
		}
	})
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opt := range map[string]circuitbreaker.Option{
		"zero consecutive": circuitbreaker.ConsecutiveFailures(0),
		"ratio above one":  circuitbreaker.ErrorRatio(1.5, 0, 0),
		"negative ratio":   circuitbreaker.ErrorRatio(-0.5, 0, 0),
		"tiny window":      circuitbreaker.ErrorRatio(0.5, 1, time.Millisecond),
		"negative timeout": circuitbreaker.OpenTimeout(-time.Second),
		"zero trials":      circuitbreaker.HalfOpenCalls(0),
	} {
		if _, err := circuitbreaker.New("x", opt); !errors.Is(err, circuitbreaker.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	if _, err := circuitbreaker.New("x", nil, circuitbreaker.OnTransition(nil)); err != nil {
		t.Errorf("nil options: %v", err)
	}
	b, err := circuitbreaker.New("x", circuitbreaker.ErrorRatio(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	want := introspect.BreakerSettings{Policy: "ratio", ErrorRatio: 0.5, MinRequests: 20,
		WindowNS: int64(10 * time.Second), OpenTimeoutNS: int64(30 * time.Second), HalfOpenMaxCalls: 1}
	if got := b.BreakerInfo().Settings; got != want {
		t.Errorf("ErrorRatio(0, 0, 0) settings = %+v, want Hystrix's defaults %+v", got, want)
	}
}

func TestErrorTextTruncated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := introspect.NewRegistry(introspect.Info{Service: "svc"})
		events, stop := reg.Subscribe(4)
		defer stop()
		b := mustNew(t, circuitbreaker.ConsecutiveFailures(1), circuitbreaker.WithRegistry(reg),
			circuitbreaker.IsFailure(func(error) bool { return true }))
		long := strings.Repeat("é", 1000)
		b.Middleware(func(context.Context, any) (any, error) { return nil, transport.NewError(400, long) })(context.Background(), nil)
		ev := <-events
		msg := ev.Breaker.Failures[0].Error
		const head = "400 Bad Request: "
		if len(msg) > 256 || !strings.HasSuffix(msg, "…") || !strings.HasPrefix(msg, head) ||
			!strings.HasPrefix(long, strings.TrimSuffix(strings.TrimPrefix(msg, head), "…")) {
			t.Fatalf("error text of %d bytes not truncated cleanly: %q…", len(msg), msg[:20])
		}
	})
}
