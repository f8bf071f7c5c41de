package fault_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

func ok(context.Context, any) (any, error) { return "ok", nil }

func ms(n int) introspect.Duration { return introspect.Duration(time.Duration(n) * time.Millisecond) }

func TestNoFaultPassesThrough(t *testing.T) {
	inj := fault.New()
	e := inj.Middleware("GetBook")(ok)
	if resp, err := e(context.Background(), nil); err != nil || resp != "ok" {
		t.Fatalf("got %v, %v; want ok", resp, err)
	}
}

func TestFixedLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inj := fault.New()
		e := inj.Middleware("GetBook")(ok)
		if err := inj.SetFault("GetBook", introspect.Fault{Latency: ms(250)}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 250*time.Millisecond {
			t.Fatalf("call took %v, want exactly 250ms", d)
		}
		inj.ClearFault("GetBook")
		start = time.Now()
		_, _ = e(context.Background(), nil)
		if d := time.Since(start); d != 0 {
			t.Fatalf("after ClearFault the call took %v, want 0", d)
		}
	})
}

func TestLatencyRangeWithinBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inj := fault.New(fault.WithSeed(1))
		e := inj.Middleware("GetBook")(ok)
		_ = inj.SetFault("GetBook", introspect.Fault{Latency: ms(100), LatencyMax: ms(300)})
		var lo, hi time.Duration = time.Hour, 0
		for range 200 {
			start := time.Now()
			_, _ = e(context.Background(), nil)
			d := time.Since(start)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < 100*time.Millisecond || hi > 300*time.Millisecond {
			t.Fatalf("delays ranged %v..%v, want within 100ms..300ms", lo, hi)
		}
		if hi-lo < 150*time.Millisecond {
			t.Fatalf("delays ranged %v..%v: not spread over the range", lo, hi)
		}
	})
}

func TestLatencyEndsWithTheCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inj := fault.New()
		e := inj.Middleware("GetBook")(ok)
		_ = inj.SetFault("GetBook", introspect.Fault{Latency: ms(int(time.Minute / time.Millisecond))})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := e(ctx, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the caller's deadline", err)
		}
	})
}

// TestErrorRate counts injected errors over a fixed seed: with 10,000
// calls at rate 0.3, the count is within 5 standard deviations (±229).
func TestErrorRate(t *testing.T) {
	inj := fault.New(fault.WithSeed(42))
	e := inj.Middleware("GetBook")(ok)
	_ = inj.SetFault("GetBook", introspect.Fault{ErrorRate: 0.3, ErrorStatus: 500})
	failed := 0
	for range 10_000 {
		_, err := e(context.Background(), nil)
		if err != nil {
			failed++
			if !errors.Is(err, fault.ErrInjected) || transport.StatusOf(err) != 500 ||
				transport.ReasonOf(err) != transport.ReasonFaultInjected || errors.Is(err, transport.ErrAbort) {
				t.Fatalf("injected error %v: want ErrInjected, status 500, reason fault_injected, no abort", err)
			}
		}
	}
	if failed < 3000-229 || failed > 3000+229 {
		t.Fatalf("%d of 10000 calls failed at rate 0.3", failed)
	}
}

func TestDefaultStatusAndAbort(t *testing.T) {
	inj := fault.New()
	e := inj.Middleware("GetBook")(ok)
	_ = inj.SetFault("GetBook", introspect.Fault{ErrorRate: 1})
	if _, err := e(context.Background(), nil); transport.StatusOf(err) != 503 {
		t.Fatalf("status %d, want 503 by default", transport.StatusOf(err))
	}
	_ = inj.SetFault("GetBook", introspect.Fault{AbortRate: 1})
	_, err := e(context.Background(), nil)
	if !errors.Is(err, transport.ErrAbort) || !errors.Is(err, fault.ErrInjected) {
		t.Fatalf("abort err = %v, want ErrAbort and ErrInjected", err)
	}
}

func TestSetFaultRefuses(t *testing.T) {
	inj := fault.New()
	inj.Middleware("GetBook")
	if err := inj.SetFault("Nope", introspect.Fault{ErrorRate: 1}); !errors.Is(err, introspect.ErrNoTarget) {
		t.Errorf("unknown endpoint: err = %v, want ErrNoTarget", err)
	}
	if err := inj.SetFault("GetBook", introspect.Fault{ErrorRate: 2}); err == nil {
		t.Error("error rate 2 accepted")
	}
	if err := inj.SetFault("GetBook", introspect.Fault{}); err == nil {
		t.Error("an empty fault accepted")
	}
	if got := inj.FaultEndpoints(); len(got) != 1 || got[0] != "GetBook" {
		t.Errorf("FaultEndpoints = %v", got)
	}
}

// sliceStream is an endpoint.Stream that receives one request and
// records what is sent.
type sliceStream struct {
	recv bool
	sent []any
}

func (s *sliceStream) Recv() (any, error) {
	if s.recv {
		return nil, io.EOF
	}
	s.recv = true
	return "req", nil
}

func (s *sliceStream) Send(m any) error { s.sent = append(s.sent, m); return nil }

func sendTen(ctx context.Context, s endpoint.Stream) error {
	if _, err := s.Recv(); err != nil {
		return err
	}
	for i := range 10 {
		if err := s.Send(i); err != nil {
			return err
		}
	}
	return nil
}

func TestStreamFailsAfterN(t *testing.T) {
	inj := fault.New()
	e := inj.StreamMiddleware("WatchBooks")(sendTen)
	_ = inj.SetFault("WatchBooks", introspect.Fault{ErrorRate: 1, StreamAfter: 3})
	st := &sliceStream{}
	err := e(context.Background(), st)
	if !errors.Is(err, fault.ErrInjected) || len(st.sent) != 3 {
		t.Fatalf("err %v after %d messages; want the injected error after 3", err, len(st.sent))
	}
}

func TestStreamDelayedAfterN(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inj := fault.New()
		var at []time.Duration
		start := time.Now()
		e := inj.StreamMiddleware("WatchBooks")(func(ctx context.Context, s endpoint.Stream) error {
			return sendTen(ctx, &timedStream{Stream: s, at: &at, start: start})
		})
		_ = inj.SetFault("WatchBooks", introspect.Fault{Latency: ms(100), StreamAfter: 4})
		if err := e(context.Background(), &sliceStream{}); err != nil {
			t.Fatal(err)
		}
		for i, d := range at {
			want := time.Duration(max(i+1-4, 0)) * 100 * time.Millisecond
			if d != want {
				t.Fatalf("message %d sent at %v, want %v (%v)", i+1, d, want, at)
			}
		}
	})
}

type timedStream struct {
	endpoint.Stream
	at    *[]time.Duration
	start time.Time
}

func (s *timedStream) Send(m any) error {
	err := s.Stream.Send(m)
	*s.at = append(*s.at, time.Since(s.start))
	return err
}

func TestStreamRefusedAtStart(t *testing.T) {
	inj := fault.New()
	ran := false
	e := inj.StreamMiddleware("WatchBooks")(func(context.Context, endpoint.Stream) error { ran = true; return nil })
	_ = inj.SetFault("WatchBooks", introspect.Fault{AbortRate: 1})
	if err := e(context.Background(), &sliceStream{}); !errors.Is(err, transport.ErrAbort) || ran {
		t.Fatalf("err %v, endpoint ran %v; want an abort before it runs", err, ran)
	}
}
