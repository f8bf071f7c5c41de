package lb_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
)

func fail(status int) endpoint.Endpoint {
	return func(context.Context, any) (any, error) {
		return nil, transport.NewError(status, http.StatusText(status))
	}
}

func TestRetryMovesToHealthyInstance(t *testing.T) {
	bk := newBackends()
	a := addrs(3)
	bk.set(a[0], fail(503))
	bk.set(a[1], fail(502))
	e := fleet(t, 3, bk.factory)
	resp, err := lb.Retry(3, time.Second, lb.NewRoundRobin(e))(context.Background(), nil)
	if err != nil || resp != a[2] {
		t.Fatalf("resp = %v, err = %v", resp, err)
	}
	for _, addr := range a {
		if bk.count(addr) != 1 {
			t.Fatalf("%s called %d times", addr, bk.count(addr))
		}
	}
}

func TestRetryErrorListsAttempts(t *testing.T) {
	bk := newBackends()
	a := addrs(2)
	bk.set(a[0], fail(503))
	bk.set(a[1], func(context.Context, any) (any, error) {
		return nil, transport.NewError(http.StatusTooManyRequests, "slow down")
	})
	e := fleet(t, 2, bk.factory)
	_, err := lb.Retry(5, time.Second, lb.NewRoundRobin(e))(context.Background(), nil)
	var re *lb.RetryError
	if !errors.As(err, &re) || len(re.Attempts) != 2 {
		t.Fatalf("err = %v, want a RetryError with 2 attempts (429 is not retried)", err)
	}
	if transport.StatusOf(err) != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want the last error's 429", transport.StatusOf(err))
	}
	var te *transport.Error
	if !errors.As(err, &te) || te.Status != 429 {
		t.Fatalf("last error not wrapped: %v", err)
	}
	detail := re.Detail()
	for _, want := range []string{"2 attempts", "#1 " + a[0] + ": Service Unavailable", "#2 " + a[1], "slow down"} {
		if !strings.Contains(detail, want) {
			t.Fatalf("detail %q does not contain %q", detail, want)
		}
	}
	if got := re.LogValue().String(); got != detail {
		t.Fatalf("LogValue %q, want the detail", got)
	}
	// The message a transport may send to the caller names no instance.
	if msg := err.Error(); msg != "slow down" {
		t.Fatalf("Error() = %q, want only the last attempt's message", msg)
	}
}

// TestRetryErrorDetailWording: one attempt is singular, and an instance is
// named by its id and address, or once when they are the same.
func TestRetryErrorDetailWording(t *testing.T) {
	re := &lb.RetryError{Attempts: []lb.Attempt{{ID: "book-1", Address: "h:1", Err: errors.New("boom")}}, BudgetExhausted: true}
	if got, want := re.Detail(), "lb: 1 attempt failed; #1 book-1 (h:1): boom; retry budget exhausted"; got != want {
		t.Fatalf("Detail = %q, want %q", got, want)
	}
	re = &lb.RetryError{Attempts: []lb.Attempt{{ID: "h:1", Address: "h:1", Err: errors.New("a")}, {Err: sd.ErrNoEndpoints}}}
	if got, want := re.Detail(), "lb: 2 attempts failed; #1 h:1: a; #2: "+sd.ErrNoEndpoints.Error(); got != want {
		t.Fatalf("Detail = %q, want %q", got, want)
	}
}

func TestRetryDoesNotRetry(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cases := []struct {
		name   string
		ctx    context.Context
		ep     endpoint.Endpoint
		status int
	}{
		{"client error", context.Background(), fail(404), 404},
		{"rate limited", context.Background(), fail(429), 429},
		{"not implemented", context.Background(), fail(501), 501},
		{"caller cancelled", cancelled, func(ctx context.Context, _ any) (any, error) {
			cancel()
			return nil, ctx.Err()
		}, transport.StatusClientClosedRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bk := newBackends()
			for _, a := range addrs(3) {
				bk.set(a, c.ep)
			}
			e := fleet(t, 3, bk.factory)
			_, err := lb.Retry(3, time.Second, lb.NewRoundRobin(e))(c.ctx, nil)
			if bk.totalCalls() != 1 || transport.StatusOf(err) != c.status {
				t.Fatalf("calls = %d, status %d (%v); want 1 call, status %d", bk.totalCalls(), transport.StatusOf(err), err, c.status)
			}
			var re *lb.RetryError
			if errors.As(err, &re) {
				t.Fatalf("single attempt wrapped in RetryError: %v", err)
			}
		})
	}
}

func blockingFleet(t *testing.T, n int) (*backends, *sd.Endpointer) {
	bk := newBackends()
	for _, a := range addrs(n) {
		bk.set(a, func(ctx context.Context, _ any) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})
	}
	return bk, fleet(t, n, bk.factory)
}

func TestRetryPerAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, e := blockingFleet(t, 3)
		start := time.Now()
		_, err := lb.Retry(3, 0, lb.NewRoundRobin(e), lb.AttemptTimeout(100*time.Millisecond))(context.Background(), nil)
		if got := time.Since(start); got != 300*time.Millisecond {
			t.Fatalf("took %v, want 3 attempts of 100ms", got)
		}
		var re *lb.RetryError
		if !errors.As(err, &re) || len(re.Attempts) != 3 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if transport.StatusOf(err) != http.StatusGatewayTimeout {
			t.Fatalf("status = %d, want 504", transport.StatusOf(err))
		}
	})
}

// TestRetryTimeoutBoundsTheWholeCall pins go-kit's meaning of Retry's
// timeout: all attempts together finish within it, and its expiry is the
// instances' failure (504, an imposed deadline), not the caller's.
func TestRetryTimeoutBoundsTheWholeCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk, e := blockingFleet(t, 3)
		start := time.Now()
		_, err := lb.Retry(3, 250*time.Millisecond, lb.NewRoundRobin(e))(context.Background(), nil)
		if got := time.Since(start); got != 250*time.Millisecond {
			t.Fatalf("took %v, want the whole call bounded by 250ms", got)
		}
		if bk.totalCalls() != 1 {
			t.Fatalf("%d attempts: no retry may start once the call's timeout passed", bk.totalCalls())
		}
		if !errors.Is(err, context.DeadlineExceeded) || transport.StatusOf(err) != http.StatusGatewayTimeout {
			t.Fatalf("err = %v (status %d), want a 504 deadline", err, transport.StatusOf(err))
		}
		if c := transport.Classify(context.Background(), err); c != transport.Failure {
			t.Fatalf("class = %v, want Failure: Retry imposed the deadline", c)
		}
	})
}

// TestRetryAttemptTimeoutWithinTheCall: with both, each attempt gets its
// own deadline and the call's caps them all.
func TestRetryAttemptTimeoutWithinTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk, e := blockingFleet(t, 3)
		start := time.Now()
		call := lb.Retry(3, 250*time.Millisecond, lb.NewRoundRobin(e), lb.AttemptTimeout(100*time.Millisecond))
		_, err := call(context.Background(), nil)
		if got := time.Since(start); got != 250*time.Millisecond {
			t.Fatalf("took %v, want 100ms + 100ms + the 50ms left", got)
		}
		var re *lb.RetryError
		if !errors.As(err, &re) || len(re.Attempts) != 3 || bk.totalCalls() != 3 {
			t.Fatalf("err = %v, %d calls; want 3 attempts", err, bk.totalCalls())
		}
	})
}

// TestRetryCallerDeadlineInsideTimeout: a caller deadline shorter than the
// call's timeout stays the caller's: not retried, not a failure.
func TestRetryCallerDeadlineInsideTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk, e := blockingFleet(t, 3)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := lb.Retry(3, time.Second, lb.NewRoundRobin(e))(ctx, nil)
		if bk.totalCalls() != 1 || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v after %d calls", err, bk.totalCalls())
		}
		if c := transport.Classify(ctx, err); c != transport.CallerDeadline {
			t.Fatalf("class = %v, want CallerDeadline", c)
		}
	})
}

// TestRetryBudgetHolds sends requests at a fleet that always fails: the
// budget keeps total attempts within requests × 1.2 + 3, serially and
// concurrently.
func TestRetryBudgetHolds(t *testing.T) {
	for _, workers := range []int{1, 16} {
		synctest.Test(t, func(t *testing.T) {
			bk := newBackends()
			for _, a := range addrs(5) {
				bk.set(a, fail(503))
			}
			e := fleet(t, 5, bk.factory)
			call := lb.Retry(5, time.Second, lb.NewP2C(e))
			const requests = 960 // divisible by every worker count
			var wg sync.WaitGroup
			var mu sync.Mutex
			exhausted := 0
			for range workers {
				wg.Go(func() {
					for range requests / workers {
						_, err := call(context.Background(), nil)
						if transport.StatusOf(err) != 503 {
							t.Errorf("status = %d (%v), want 503", transport.StatusOf(err), err)
						}
						if errors.Is(err, lb.ErrBudgetExhausted) {
							mu.Lock()
							exhausted++
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			total := bk.totalCalls()
			if limit := requests*12/10 + 3; total > limit || total < requests {
				t.Fatalf("workers=%d: %d attempts for %d requests, want at most %d", workers, total, requests, limit)
			}
			if exhausted == 0 {
				t.Fatal("the budget never stopped a retry")
			}
			t.Logf("workers=%d: %d attempts for %d requests", workers, total, requests)
		})
	}
}

func TestBudgetWindowSlides(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bk := newBackends()
		bk.set(addrs(1)[0], fail(503))
		e := fleet(t, 1, bk.factory)
		call := lb.Retry(2, time.Second, lb.NewRandom(e), lb.WithBudget(lb.NewBudget(0, 3)))
		for range 10 {
			_, _ = call(context.Background(), nil)
		}
		// 10 requests allow 10*0.2+3 = 5 retries.
		if got := bk.totalCalls(); got != 15 {
			t.Fatalf("attempts = %d, want 15", got)
		}
		time.Sleep(10 * time.Second)
		for range 10 {
			_, _ = call(context.Background(), nil)
		}
		if got := bk.totalCalls(); got != 30 {
			t.Fatalf("after the window: attempts = %d, want 30", got)
		}
	})
}

func TestRetrySpanEvents(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	bk := newBackends()
	a := addrs(2)
	bk.set(a[0], fail(503))
	e := fleet(t, 2, bk.factory)
	ctx, span := tp.Tracer("test").Start(context.Background(), "call")
	if _, err := lb.Retry(3, time.Second, lb.NewRoundRobin(e))(ctx, nil); err != nil {
		t.Fatal(err)
	}
	span.End()
	var got []string
	for _, ev := range rec.Ended()[0].Events() {
		s := ev.Name
		for _, kv := range ev.Attributes {
			s += " " + string(kv.Key) + "=" + kv.Value.String()
		}
		got = append(got, s)
	}
	want := []string{
		"lb.instance instance.id=" + a[0] + " instance.address=" + a[0] + " retry.attempt=1",
		"retry retry.attempt=2",
		"lb.instance instance.id=" + a[1] + " instance.address=" + a[1] + " retry.attempt=2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRetryNoGoroutineLeak(t *testing.T) {
	base := goleak.IgnoreCurrent()
	func() {
		bk := newBackends()
		for _, a := range addrs(4)[:2] {
			bk.set(a, func(ctx context.Context, _ any) (any, error) { <-ctx.Done(); return nil, ctx.Err() })
		}
		e := fleet(t, 4, bk.factory)
		call := lb.Retry(3, 0, lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{}), lb.AttemptTimeout(5*time.Millisecond))
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 20 {
					_, _ = call(context.Background(), nil)
				}
			})
		}
		wg.Wait()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	testutil.VerifyNone(t, base)
}
