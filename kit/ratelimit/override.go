package ratelimit

import (
	"fmt"
	"math"

	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/kit/internal/monotime"
	"github.com/kitbench/kitbench/kit/introspect"
)

// OverrideLimit replaces the limiter's rate (calls per second, positive
// and finite) and, unless burst is zero, its burst, until RestoreLimit.
// Tokens already in the bucket stay, up to the new burst. Callers a
// delaying limiter makes wait see the new rate when they next look at
// the bucket. An invalid rate or burst is an error wrapping ErrConfig. It
// is what the introspection protocol's limiter controls call
// (introspect.LimiterController).
func (l *Limiter) OverrideLimit(limit float64, burst int) error {
	if !(limit > 0) || math.IsInf(limit, 1) {
		return fmt.Errorf("%w: limit %v is not a positive finite rate", ErrConfig, limit)
	}
	if burst < 0 {
		return fmt.Errorf("%w: burst %d is negative", ErrConfig, burst)
	}
	now := monotime.Time() // the clock the bucket is read with
	l.lim.SetLimitAt(now, rate.Limit(limit))
	if burst > 0 {
		l.lim.SetBurstAt(now, burst)
	}
	return nil
}

// RestoreLimit returns the limiter to the rate and burst it was made
// with.
func (l *Limiter) RestoreLimit() {
	now := monotime.Time() // the clock the bucket is read with
	l.lim.SetLimitAt(now, l.limit)
	l.lim.SetBurstAt(now, l.burst)
}

var _ introspect.LimiterController = (*Limiter)(nil)
