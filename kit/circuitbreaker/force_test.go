package circuitbreaker_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/introspect"
)

var errServer = &serverErr{}

type serverErr struct{}

func (*serverErr) Error() string   { return "boom" }
func (*serverErr) StatusCode() int { return 500 }

func failing(context.Context, any) (any, error) { return nil, errServer }
func fine(context.Context, any) (any, error)    { return "ok", nil }

// TestForcedOpenHoldsUntilUnforced: a forced-open breaker refuses calls
// long past its open timeout, and once unforced its policy runs again.
func TestForcedOpenHoldsUntilUnforced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := circuitbreaker.New("b", circuitbreaker.OpenTimeout(time.Second))
		e := b.Middleware(fine)
		if err := b.ForceState(introspect.StateOpen); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if _, err := e(context.Background(), nil); !errors.Is(err, circuitbreaker.ErrOpen) {
			t.Fatalf("forced open, an hour later: err %v, want ErrOpen", err)
		}
		if info := b.BreakerInfo(); info.State != introspect.StateOpen || !info.Forced {
			t.Fatalf("info %s forced %v", info.State, info.Forced)
		}
		b.Unforce()
		if _, err := e(context.Background(), nil); err != nil {
			t.Fatalf("unforced: %v", err)
		}
		bad := b.Middleware(failing)
		for range 5 {
			_, _ = bad(context.Background(), nil)
		}
		if info := b.BreakerInfo(); info.State != introspect.StateOpen || info.Forced {
			t.Fatalf("after 5 failures unforced: %s forced %v; want the policy to open it", info.State, info.Forced)
		}
	})
}

// TestForcedClosedHoldsAgainstFailures: failures trip nothing while
// forced closed; Reset ends it.
func TestForcedClosedHoldsAgainstFailures(t *testing.T) {
	b, _ := circuitbreaker.New("b")
	_ = b.ForceState(introspect.StateClosed)
	bad := b.Middleware(failing)
	for range 50 {
		if _, err := bad(context.Background(), nil); errors.Is(err, circuitbreaker.ErrOpen) {
			t.Fatal("a forced-closed breaker refused a call")
		}
	}
	if info := b.BreakerInfo(); info.State != introspect.StateClosed || info.Counts.Failures != 50 {
		t.Fatalf("forced closed after 50 failures: %s, %d failures counted", info.State, info.Counts.Failures)
	}
	b.Reset()
	for range 5 {
		_, _ = bad(context.Background(), nil)
	}
	if info := b.BreakerInfo(); info.State != introspect.StateOpen {
		t.Fatalf("after Reset and 5 failures: %s, want open", info.State)
	}
	if err := b.ForceState("half-open"); !errors.Is(err, circuitbreaker.ErrConfig) {
		t.Fatalf("forcing half-open: %v, want ErrConfig", err)
	}
}
