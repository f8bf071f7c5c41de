package ratelimit_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

func counting(n *atomic.Int64) endpoint.Endpoint {
	return func(context.Context, any) (any, error) {
		n.Add(1)
		return "ok", nil
	}
}

func TestErroringBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := ratelimit.NewErroring("books", 10, 5)
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int64
		e := l.Middleware(counting(&calls))
		var passed int
		for i := range 20 {
			_, err := e(context.Background(), nil)
			if err == nil {
				passed++
				continue
			}
			if !errors.Is(err, ratelimit.ErrLimited) {
				t.Fatalf("call %d: err = %v, want ErrLimited", i, err)
			}
			if st := transport.StatusOf(err); st != 429 || kitgrpc.Code(st) != codes.ResourceExhausted {
				t.Fatalf("status %d / %v, want 429 / ResourceExhausted", st, kitgrpc.Code(st))
			}
			if d, ok := transport.RetryAfterOf(err); !ok || d != 100*time.Millisecond {
				t.Fatalf("RetryAfter = %v, %v; want 100ms (one token at 10/s)", d, ok)
			}
		}
		if passed != 5 || calls.Load() != 5 {
			t.Fatalf("%d passed, endpoint called %d times; want 5", passed, calls.Load())
		}
		want := introspect.Limiter{Name: "books", Mode: "error", Rate: 10, Burst: 5, Tokens: 0, Allowed: 5, Rejected: 15}
		if got := l.LimiterInfo(); got != want {
			t.Fatalf("info = %+v, want %+v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
		_, err = e(context.Background(), nil)
		if d, _ := transport.RetryAfterOf(err); d != 50*time.Millisecond {
			t.Fatalf("half a token later: RetryAfter = %v, want 50ms", d)
		}
		time.Sleep(50 * time.Millisecond)
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("a token later: %v", err)
		}
	})
}

func TestDelayingHonoursDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := ratelimit.NewDelaying("books", 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int64
		e := l.Middleware(counting(&calls))
		start := time.Now()
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatal(err)
		}

		// The next token is 1 s away; a 500 ms deadline cannot make it.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err = e(ctx, nil)
		if !errors.Is(err, ratelimit.ErrLimited) || transport.StatusOf(err) != 429 {
			t.Fatalf("err = %v, want ErrLimited with 429", err)
		}
		if d, _ := transport.RetryAfterOf(err); d != time.Second {
			t.Fatalf("RetryAfter = %v, want 1s", d)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("refusal took %v, want an immediate answer", waited)
		}

		// A 2 s deadline can: the call waits for its token, exactly 1 s.
		ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel2()
		if _, err := e(ctx2, nil); err != nil {
			t.Fatalf("call with room before its deadline: %v", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Fatalf("waited %v, want 1s", waited)
		}
		// No deadline at all: wait.
		if _, err := e(context.Background(), nil); err != nil || time.Since(start) != 2*time.Second {
			t.Fatalf("err %v after %v, want nil after 2s", err, time.Since(start))
		}
		info := l.LimiterInfo()
		if info.Mode != "delay" || info.Allowed != 3 || info.Rejected != 1 || calls.Load() != 3 {
			t.Fatalf("info = %+v, calls %d", info, calls.Load())
		}
	})
}

func TestDelayingCancelReturnsToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := ratelimit.NewDelaying("books", 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int64
		e := l.Middleware(counting(&calls))
		e(context.Background(), nil) // takes the only token

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := e(ctx, nil)
			done <- err
		}()
		time.Sleep(200 * time.Millisecond) // the waiter is parked on its timer
		cancel()
		err = <-done
		if !errors.Is(err, context.Canceled) || errors.Is(err, ratelimit.ErrLimited) {
			t.Fatalf("cancelled wait: err = %v, want context.Canceled", err)
		}
		if tokens := l.LimiterInfo().Tokens; math.Abs(tokens-0.2) > 1e-9 {
			t.Fatalf("tokens after the cancel = %v, want 0.2 (the reservation returned)", tokens)
		}
		time.Sleep(800 * time.Millisecond)
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel2()
		if _, err := e(ctx2, nil); err != nil {
			t.Fatalf("a second after the first token the bucket holds one again, got %v", err)
		}
		if info := l.LimiterInfo(); info.Allowed != 2 || info.Rejected != 0 || calls.Load() != 2 {
			t.Fatalf("info = %+v, calls %d; a cancelled wait counts as neither", info, calls.Load())
		}
	})
}

func TestCoalescedRejectionEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := introspect.NewRegistry(introspect.Info{Service: "svc"})
		events, stop := reg.Subscribe(1000)
		defer stop()
		l, err := ratelimit.NewErroring("books", 0.01, 1, ratelimit.WithRegistry(reg))
		if err != nil {
			t.Fatal(err)
		}
		if got := reg.Limiters(); len(got) != 1 || got[0].Name != "books" {
			t.Fatalf("registry limiters = %+v", got)
		}
		start := time.Now()
		e := l.Middleware(endpoint.Nop)
		for range 101 { // 1 passes, 100 are refused
			e(context.Background(), nil)
		}
		next := func() introspect.LimiterRejections {
			t.Helper()
			select {
			case ev := <-events:
				if ev.Type != introspect.EventLimiter || ev.Limiter == nil {
					t.Fatalf("event = %+v", ev)
				}
				return *ev.Limiter
			default:
				t.Fatal("no event")
				return introspect.LimiterRejections{}
			}
		}
		want := introspect.LimiterRejections{Name: "books", Time: start, Rejected: 1, Total: 1}
		if got := next(); got != want {
			t.Fatalf("first event = %+v, want %+v", got, want)
		}
		if len(events) != 0 {
			t.Fatalf("%d more events during the burst, want none", len(events))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		want = introspect.LimiterRejections{Name: "books", Time: start.Add(time.Second), Rejected: 99, Total: 100}
		if got := next(); got != want {
			t.Fatalf("trailing event = %+v, want %+v", got, want)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if len(events) != 0 {
			t.Fatalf("%d events in a quiet period", len(events))
		}
		e(context.Background(), nil)
		want = introspect.LimiterRejections{Name: "books", Time: start.Add(6 * time.Second), Rejected: 1, Total: 101}
		if got := next(); got != want {
			t.Fatalf("event after the quiet period = %+v, want %+v", got, want)
		}
	})
}

func TestSpanEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		defer tp.Shutdown(context.Background())
		erroring, _ := ratelimit.NewErroring("e", 1, 1)
		delaying, _ := ratelimit.NewDelaying("d", 1, 1)
		for _, l := range []*ratelimit.Limiter{erroring, delaying} {
			e := l.Middleware(endpoint.Nop)
			for range 2 {
				ctx, span := tp.Tracer("test").Start(context.Background(), "call")
				e(ctx, nil)
				span.End()
			}
		}
		var got []string
		for _, s := range rec.Ended() {
			for _, ev := range s.Events() {
				set := attribute.NewSet(ev.Attributes...)
				name, _ := set.Value("ratelimit.name")
				decision, _ := set.Value("ratelimit.decision")
				got = append(got, ev.Name+" "+name.AsString()+" "+decision.AsString())
			}
		}
		want := []string{"ratelimit e deny", "ratelimit d wait"}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("span events = %q, want %q", got, want)
		}
	})
}

func TestBadConfig(t *testing.T) {
	for _, c := range []struct {
		limit rate.Limit
		burst int
	}{{0, 1}, {-1, 1}, {rate.Inf, 1}, {1, 0}, {rate.Limit(math.NaN()), 1}} {
		if _, err := ratelimit.NewErroring("x", c.limit, c.burst); !errors.Is(err, ratelimit.ErrConfig) {
			t.Errorf("NewErroring(%v, %d): err = %v, want ErrConfig", c.limit, c.burst, err)
		}
		if _, err := ratelimit.NewDelaying("x", c.limit, c.burst); !errors.Is(err, ratelimit.ErrConfig) {
			t.Errorf("NewDelaying(%v, %d): err = %v, want ErrConfig", c.limit, c.burst, err)
		}
	}
}
