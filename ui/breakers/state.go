package breakers

import (
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/components"
)

// Bounds of what the view keeps per breaker.
const (
	History        = 10 // rate samples, one a second: the sparkline's Window
	MaxTransitions = 16 // transitions, newest kept
	MaxFailures    = 50 // failures kept per transition
)

// sampleEvery is the spacing of rate samples.
const sampleEvery = time.Second

// id names one breaker of one instance.
type id struct {
	key  hub.Key
	name string
}

// entry is what the view knows about one breaker.
type entry struct {
	id
	b     wire.Breaker
	trans []wire.BreakerTransition // oldest first, at most MaxTransitions
	rates components.History

	prevReq uint64    // window count at the previous sample
	prevAt  time.Time // time of the previous sample; zero before the first
	dim     bool      // the instance is down or stale: the figures are old
}

// keep appends a transition, bounded.
func (e *entry) keep(t wire.BreakerTransition) {
	if len(t.Failures) > MaxFailures {
		t.Failures = t.Failures[len(t.Failures)-MaxFailures:]
	}
	if len(e.trans) == MaxTransitions {
		copy(e.trans, e.trans[1:])
		e.trans = e.trans[:MaxTransitions-1]
	}
	e.trans = append(e.trans, t)
}

// sample adds a rate sample at now.
func (e *entry) sample(now time.Time) {
	cur := e.b.Counts.Requests
	defer func() { e.prevReq, e.prevAt = cur, now }()
	if e.prevAt.IsZero() {
		return
	}
	dt := now.Sub(e.prevAt).Seconds()
	if dt <= 0 {
		return
	}
	var rate float64
	switch {
	case e.b.Settings.Policy == "ratio" && e.b.Settings.WindowNS > 0:
		// A rolling window: its count over its length is the rate.
		rate = float64(cur) / time.Duration(e.b.Settings.WindowNS).Seconds()
	case cur >= e.prevReq:
		rate = float64(cur-e.prevReq) / dt
	default: // the counts were reset (a transition): all of cur is new
		rate = float64(cur) / dt
	}
	e.rates.Add(rate)
}

// severity orders breakers worst first.
func severity(state string) int {
	switch state {
	case wire.StateOpen:
		return 0
	case wire.StateHalfOpen:
		return 1
	case wire.StateClosed:
		return 2
	}
	return 3
}
