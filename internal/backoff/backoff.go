// Package backoff is the retry delay every kitbench loop that talks to a
// remote (registry watchers, introspection followers) uses after a failure:
// exponential, capped, with jitter so that many clients that failed together
// do not retry together.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Delay returns the wait after the n-th consecutive failure (n ≥ 1): lo
// doubling each time, capped at hi, then drawn uniformly between half of
// that and all of it ("equal jitter"). A non-positive lo means hi from the
// first failure.
func Delay(lo, hi time.Duration, n int) time.Duration {
	d := hi
	if n >= 1 && n-1 < 32 {
		if e := lo << (n - 1); e > 0 && e < d {
			d = e
		}
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits for d, or until ctx ends; it reports whether the whole wait
// passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
