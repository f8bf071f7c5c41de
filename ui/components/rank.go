package components

import (
	"math"
	"time"
)

// Rank holds the numbers a list is sorted by still against small changes
// (hysteresis), so that rows whose figures jitter from one update to the
// next do not swap places every second. A row's held value is replaced
// only when the live value moves away from it by more than the larger of
// Abs and Rel times the larger magnitude; sort by what Hold returns, show
// what is live. The zero value holds nothing and passes values through
// with no tolerance; build one with NewRank.
type Rank struct {
	abs, rel float64
	held     map[string]*heldValue
}

type heldValue struct {
	v    float64
	seen bool
}

// NewRank returns a Rank that ignores changes up to abs, or up to rel of
// the value (0.25: a quarter), whichever is larger.
func NewRank(abs, rel float64) *Rank {
	return &Rank{abs: abs, rel: rel, held: map[string]*heldValue{}}
}

// Hold returns the value to sort key's row by: the held value while v
// stays within the tolerance of it, else v, which is held from then on.
// NaN is held as it comes.
func (r *Rank) Hold(key string, v float64) float64 {
	if r == nil || r.held == nil {
		return v
	}
	h := r.held[key]
	if h == nil {
		r.held[key] = &heldValue{v: v, seen: true}
		return v
	}
	h.seen = true
	if math.Abs(v-h.v) > max(r.abs, r.rel*max(math.Abs(v), math.Abs(h.v))) || math.IsNaN(h.v) || math.IsNaN(v) {
		h.v = v
	}
	return h.v
}

// Sweep forgets the keys not held since the previous Sweep (rows that
// left the list), so the Rank's size follows the list's.
func (r *Rank) Sweep() {
	if r == nil {
		return
	}
	for k, h := range r.held {
		if !h.seen {
			delete(r.held, k)
			continue
		}
		h.seen = false
	}
}

// Reset forgets every held value: the next Hold of each key returns its
// live value. Call it when the user asks for a fresh order (a sort key).
func (r *Rank) Reset() {
	if r != nil {
		clear(r.held)
	}
}

// Latch holds an ordinal grade per key, lower meaning worse (0 failing, 1
// degraded, ...): a worse grade takes effect at once, so trouble rises to
// the top immediately, while a better one takes effect only after it has
// lasted Settle, so a row that flickers between two grades stays where
// it is. The zero value has no settling time and passes grades through;
// Sweep and Reset work as for Rank.
type Latch struct {
	// Settle is how long a better grade must last before it is used; zero
	// uses it at once.
	Settle time.Duration
	held   map[string]*latched
}

type latched struct {
	grade   int       // the grade in use
	better  int       // the least better grade seen since since
	since   time.Time // when the live grade became better; zero when it is not
	touched bool
}

// Grade returns the grade to sort key's row by, given its live grade at
// now.
func (l *Latch) Grade(key string, grade int, now time.Time) int {
	if l.held == nil {
		l.held = map[string]*latched{}
	}
	h := l.held[key]
	switch {
	case h == nil:
		l.held[key] = &latched{grade: grade, touched: true}
		return grade
	case grade <= h.grade:
		h.grade, h.since = grade, time.Time{}
	case h.since.IsZero():
		h.better, h.since = grade, now
	default:
		h.better = min(h.better, grade) // what has lasted the whole time
	}
	if !h.since.IsZero() && now.Sub(h.since) >= l.Settle {
		h.grade, h.since = h.better, time.Time{}
	}
	h.touched = true
	return h.grade
}

// Waiting reports whether some key's better grade is waiting to settle:
// the order may change with the clock alone.
func (l *Latch) Waiting() bool {
	for _, h := range l.held {
		if !h.since.IsZero() {
			return true
		}
	}
	return false
}

// Sweep forgets the keys not graded since the previous Sweep.
func (l *Latch) Sweep() {
	for k, h := range l.held {
		if !h.touched {
			delete(l.held, k)
			continue
		}
		h.touched = false
	}
}

// Reset forgets every held grade.
func (l *Latch) Reset() { clear(l.held) }
