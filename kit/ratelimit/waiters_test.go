package ratelimit_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/transport"
)

// bucketScript drives a delaying limiter of 10 calls/s and burst 1 through
// one admission at 0, cancelled waiters (none when order is "none") arriving
// at 0 and cancelled at 50 ms, and two callers after them. It returns what
// a caller would see: the tokens after the cancellations, and when each of
// the two later callers was admitted, relative to the start.
func bucketScript(t *testing.T, waiters int, order string) (tokens float64, admitted [2]time.Duration) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		l, err := ratelimit.NewDelaying("books", 10, 1, ratelimit.WithMaxWaiters(waiters+1))
		if err != nil {
			t.Fatal(err)
		}
		e := l.Middleware(endpoint.Nop)
		start := time.Now()
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatal(err)
		}

		all, cancelAll := context.WithCancel(context.Background())
		cancels := make([]context.CancelFunc, waiters)
		errs := make(chan error, waiters)
		for i := range waiters {
			ctx, cancel := context.WithCancel(all)
			cancels[i] = cancel
			go func() {
				_, err := e(ctx, nil)
				errs <- err
			}()
			synctest.Wait() // parked: the waiters queue in a known order
		}
		time.Sleep(50 * time.Millisecond)
		switch order {
		case "oldest first": // as deadlines set alike usually expire
			for _, cancel := range cancels {
				cancel()
				synctest.Wait()
			}
		case "shuffled":
			r := rand.New(rand.NewPCG(1, 2))
			for _, i := range r.Perm(waiters) {
				cancels[i]()
				synctest.Wait()
			}
		case "at once":
			cancelAll()
		}
		for range waiters {
			if err := <-errs; !errors.Is(err, context.Canceled) || errors.Is(err, ratelimit.ErrLimited) {
				t.Fatalf("a cancelled waiter returned %v, want context.Canceled", err)
			}
		}
		cancelAll()
		for _, cancel := range cancels {
			cancel()
		}
		tokens = l.LimiterInfo().Tokens

		// At 100 ms the bucket holds a token again: a caller that cannot
		// wait at all gets it at once.
		time.Sleep(50 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		if _, err := e(ctx, nil); err != nil {
			t.Fatalf("caller at 100ms: %v", err)
		}
		admitted[0] = time.Since(start)
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("caller after it: %v", err)
		}
		admitted[1] = time.Since(start)
	})
	return tokens, admitted
}

// TestCancelledWaitersLeaveTheBucket: a thousand waiters that give up,
// in any order, leave the bucket as it was before they came.
// golang.org/x/time/rate restores only the newest reservation, so with the
// waiters cancelled oldest first the next caller was refused for ~100 s.
func TestCancelledWaitersLeaveTheBucket(t *testing.T) {
	wantTokens, wantAdmitted := bucketScript(t, 0, "none")
	if math.Abs(wantTokens-0.5) > 1e-9 || wantAdmitted != [2]time.Duration{100 * time.Millisecond, 200 * time.Millisecond} {
		t.Fatalf("without waiters: tokens %v, admitted at %v", wantTokens, wantAdmitted)
	}
	for _, order := range []string{"oldest first", "shuffled", "at once"} {
		t.Run(order, func(t *testing.T) {
			tokens, admitted := bucketScript(t, 1000, order)
			if tokens != wantTokens {
				t.Errorf("tokens after 1000 cancelled waiters = %v, want %v as with none", tokens, wantTokens)
			}
			if admitted != wantAdmitted {
				t.Errorf("later callers admitted at %v, want %v as with no cancelled waiters", admitted, wantAdmitted)
			}
		})
	}
}

// TestCancellationsKeepOrderAndRate runs 5 s of callers arriving every
// 4 ms (250/s) at a limiter of 100/s with burst 10; two in five give up
// after up to 200 ms. Demand exceeds the rate all along, so the limiter
// must admit at exactly its rate, never faster, and in arrival order: no
// caller still waiting is overtaken by a later one.
func TestCancellationsKeepOrderAndRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			rate     = 100
			burst    = 10
			window   = 5 * time.Second
			interval = 4 * time.Millisecond
			arrivals = int(window / interval)
		)
		l, err := ratelimit.NewDelaying("books", rate, burst, ratelimit.WithMaxWaiters(arrivals))
		if err != nil {
			t.Fatal(err)
		}
		type outcome struct {
			at        time.Duration // since start: admitted, or left
			admitted  bool
			cancelled bool
		}
		var (
			mu       sync.Mutex
			outcomes = make([]outcome, arrivals)
			wg       sync.WaitGroup
		)
		start := time.Now()
		end, stop := context.WithCancel(context.Background())
		defer stop()
		for i := range arrivals {
			ctx, cancel := context.WithCancel(end)
			if i%5 == 1 || i%5 == 3 {
				// Cancelled, not a deadline: a deadline the queue ahead
				// cannot meet would be refused at once instead of waiting.
				time.AfterFunc(time.Duration(1+i*37%200)*time.Millisecond, cancel)
			}
			e := l.Middleware(func(context.Context, any) (any, error) {
				mu.Lock()
				outcomes[i] = outcome{at: time.Since(start), admitted: true}
				mu.Unlock()
				return nil, nil
			})
			wg.Go(func() {
				defer cancel()
				_, err := e(ctx, nil)
				if err == nil {
					return
				}
				if !errors.Is(err, context.Canceled) {
					t.Errorf("caller %d: %v, want context.Canceled", i, err)
				}
				mu.Lock()
				outcomes[i] = outcome{at: time.Since(start), cancelled: i%5 == 1 || i%5 == 3}
				mu.Unlock()
			})
			time.Sleep(interval)
		}
		stop() // the callers still waiting give up at the end of the window
		wg.Wait()

		var admitted []int // caller indexes in admission order
		cancelled := 0
		for i, o := range outcomes {
			if o.admitted && o.at < window {
				admitted = append(admitted, i)
			}
			if o.cancelled && o.at < window {
				cancelled++
			}
		}
		if cancelled < 300 {
			t.Fatalf("only %d callers gave up while waiting; the test needs hundreds", cancelled)
		}
		sort.SliceStable(admitted, func(a, b int) bool { return outcomes[admitted[a]].at < outcomes[admitted[b]].at })

		// The rate: with demand above it all along, burst + rate×window.
		if want := burst + int(rate*window.Seconds()); len(admitted) < want-1 || len(admitted) > want {
			t.Errorf("%d calls admitted in %v, want %d (burst + rate × window)", len(admitted), window, want)
		}
		// Never faster: any k consecutive admissions span at least
		// (k-burst)/rate.
		for a := range admitted {
			for b := a + burst; b < len(admitted); b++ {
				span := outcomes[admitted[b]].at - outcomes[admitted[a]].at
				if least := time.Duration(float64(b-a+1-burst) / rate * float64(time.Second)); span < least-time.Microsecond {
					t.Fatalf("%d admissions within %v, the bucket allows %v for them", b-a+1, span, least)
				}
			}
		}
		// FIFO: when a caller is admitted, every earlier caller has been
		// admitted or has left.
		for _, j := range admitted {
			for i := range j {
				if outcomes[i].at > outcomes[j].at {
					t.Fatalf("caller %d admitted at %v while caller %d, who came first, waited until %v",
						j, outcomes[j].at, i, outcomes[i].at)
				}
			}
		}
	})
}

// TestQueueBound: past WithMaxWaiters callers waiting, the next is refused
// at once with an error matching both ErrLimited (so transports answer 429
// with Retry-After) and ErrTooManyWaiters; a place that frees is taken again.
func TestQueueBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := ratelimit.NewDelaying("books", 1, 1, ratelimit.WithMaxWaiters(3))
		if err != nil {
			t.Fatal(err)
		}
		e := l.Middleware(endpoint.Nop)
		start := time.Now()
		e(context.Background(), nil) // takes the only token
		type result struct {
			err error
			at  time.Duration
		}
		call := func(ctx context.Context) chan result {
			done := make(chan result, 1)
			go func() {
				_, err := e(ctx, nil)
				done <- result{err, time.Since(start)}
			}()
			synctest.Wait()
			return done
		}
		bg, cleanup := context.WithCancel(context.Background()) // ends every waiter if the test fails
		defer cleanup()
		first, cancelFirst := context.WithCancel(bg)
		defer cancelFirst()
		waiting := []chan result{call(first), call(bg), call(bg)}

		over := call(bg)
		var r result
		select {
		case r = <-over:
		default:
			t.Fatal("the fourth waiter of a queue bounded at 3 waits instead of being refused")
		}
		if !errors.Is(r.err, ratelimit.ErrTooManyWaiters) || !errors.Is(r.err, ratelimit.ErrLimited) || r.at != 0 {
			t.Fatalf("over the bound: err %v at %v; want ErrTooManyWaiters and ErrLimited at once", r.err, r.at)
		}
		if st := transport.StatusOf(r.err); st != 429 {
			t.Fatalf("status %d, want 429", st)
		}
		// It would have been served after the three ahead of it: at 4 s.
		if d, ok := transport.RetryAfterOf(r.err); !ok || d != 4*time.Second {
			t.Fatalf("RetryAfter = %v, %v; want 4s", d, ok)
		}
		if info := l.LimiterInfo(); info.Rejected != 1 || info.Allowed != 1 {
			t.Fatalf("info = %+v, want 1 allowed, 1 rejected", info)
		}

		cancelFirst() // a place frees up; the next caller takes it
		if r := <-waiting[0]; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled waiter: %v", r.err)
		}
		waiting = append(waiting[1:], call(bg))
		for i, w := range waiting {
			if r := <-w; r.err != nil || r.at != time.Duration(i+1)*time.Second {
				t.Fatalf("waiter %d: err %v at %v, want nil at %ds", i, r.err, r.at, i+1)
			}
		}
	})
}

func TestBadMaxWaiters(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := ratelimit.NewDelaying("x", 1, 1, ratelimit.WithMaxWaiters(n)); !errors.Is(err, ratelimit.ErrConfig) {
			t.Errorf("WithMaxWaiters(%d): err = %v, want ErrConfig", n, err)
		}
	}
}

// TestDeadlineCountsWaitersAhead: a caller is refused at once when the
// callers ahead of it use up the time before its deadline, and a waiter
// that leaves the middle of the queue moves those behind it up: with
// golang.org/x/time/rate, the token of any but the newest reservation was
// lost, and the second caller below was refused.
func TestDeadlineCountsWaitersAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := ratelimit.NewDelaying("books", 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		e := l.Middleware(endpoint.Nop)
		start := time.Now()
		e(context.Background(), nil) // takes the only token
		wait := func(ctx context.Context) chan time.Duration {
			done := make(chan time.Duration, 1)
			go func() {
				if _, err := e(ctx, nil); err == nil {
					done <- time.Since(start)
				}
				close(done)
			}()
			synctest.Wait()
			return done
		}
		bg, cleanup := context.WithCancel(context.Background()) // ends every waiter if the test fails
		defer cleanup()
		a, cancelA := context.WithCancel(bg)
		defer cancelA()
		wait(a)       // its token comes at 1 s
		b := wait(bg) // and this one's at 2 s
		tight, cancel := context.WithTimeout(bg, 2500*time.Millisecond)
		defer cancel()
		_, err = e(tight, nil) // a token at 3 s is past its deadline
		if !errors.Is(err, ratelimit.ErrLimited) || errors.Is(err, ratelimit.ErrTooManyWaiters) || time.Since(start) != 0 {
			t.Fatalf("err %v after %v, want ErrLimited at once", err, time.Since(start))
		}
		if d, _ := transport.RetryAfterOf(err); d != 3*time.Second {
			t.Fatalf("RetryAfter = %v, want 3s (two callers ahead, then this one)", d)
		}

		cancelA() // the oldest waiter leaves; b moves up to 1 s
		synctest.Wait()
		if _, err := e(tight, nil); err != nil || time.Since(start) != 2*time.Second {
			t.Fatalf("after a waiter ahead left: err %v at %v, want nil at 2s", err, time.Since(start))
		}
		if at := <-b; at != time.Second {
			t.Fatalf("the waiter behind the one that left was admitted at %v, want 1s", at)
		}
	})
}
