package ratelimit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kitbench/kitbench/kit/ratelimit"
)

func TestOverrideAndRestore(t *testing.T) {
	l, err := ratelimit.NewErroring("l", 1000, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.OverrideLimit(0.001, 1); err != nil {
		t.Fatal(err)
	}
	e := l.Middleware(func(context.Context, any) (any, error) { return nil, nil })
	_, _ = e(context.Background(), nil)
	if _, err := e(context.Background(), nil); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("second call at burst 1: %v, want ErrLimited", err)
	}
	if info := l.LimiterInfo(); info.Rate != 0.001 || info.Burst != 1 {
		t.Fatalf("overridden: %+v", info)
	}
	l.RestoreLimit()
	if info := l.LimiterInfo(); info.Rate != 1000 || info.Burst != 100 {
		t.Fatalf("restored: %+v", info)
	}
	for _, bad := range []struct {
		rate  float64
		burst int
	}{{0, 1}, {-1, 1}, {1, -1}} {
		if err := l.OverrideLimit(bad.rate, bad.burst); !errors.Is(err, ratelimit.ErrConfig) {
			t.Errorf("OverrideLimit(%v, %d) = %v, want ErrConfig", bad.rate, bad.burst, err)
		}
	}
}
