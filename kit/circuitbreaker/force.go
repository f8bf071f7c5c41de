package circuitbreaker

import (
	"fmt"
	"time"

	"github.com/kitbench/kitbench/kit/introspect"
)

// ForceState holds the breaker in state, introspect.StateOpen or
// introspect.StateClosed, until Unforce or Reset: forced open it refuses
// every call with its open error however long it stays so, forced closed
// it admits every call and no failure trips it. Its counts go on. Another
// state is an error wrapping ErrConfig. It is what the introspection
// protocol's breaker controls call (introspect.BreakerController).
func (b *Breaker) ForceState(s string) error {
	var st state
	switch s {
	case introspect.StateOpen:
		st = open
	case introspect.StateClosed:
		st = closed
	default:
		return fmt.Errorf("%w: cannot force state %q: want %q or %q", ErrConfig, s, introspect.StateOpen, introspect.StateClosed)
	}
	b.swap(func(*record) bool { return true }, func(now time.Time) *record {
		r := b.newRecord(st, now)
		r.forced = true
		return r
	})
	return nil
}

// Unforce ends a state held by ForceState: the breaker starts again
// closed, with empty counts, and its policy decides from there. It does
// nothing to a breaker that is not forced.
func (b *Breaker) Unforce() {
	b.swap(func(r *record) bool { return r.forced }, func(now time.Time) *record { return b.newRecord(closed, now) })
}

// Reset returns the breaker to closed with empty counts, whatever its
// state, forced or not.
func (b *Breaker) Reset() {
	b.swap(func(*record) bool { return true }, func(now time.Time) *record { return b.newRecord(closed, now) })
}

// swap replaces the current record, while cond holds for it, with one
// made by mk, publishing the transition.
func (b *Breaker) swap(cond func(*record) bool, mk func(time.Time) *record) {
	for {
		cur := b.cur.Load()
		if !cond(cur) {
			return
		}
		now := b.now()
		if b.replace(cur, mk(now), now) {
			return
		}
	}
}

var _ introspect.BreakerController = (*Breaker)(nil)
