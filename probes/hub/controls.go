package hub

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// ControlUpdate carries the controls in force on one instance (faults,
// forced breakers, limiter overrides, a drain), each with the time it
// reverts by itself. Controls is the whole current list, sorted by kind
// and target, without those whose Until has passed; Change is set when
// the update comes from a control event on /events (nil when it comes
// from /info or from an expiry the hub noticed by the clock).
type ControlUpdate struct {
	Key      Key
	Controls []wire.Control
	Change   *wire.ControlChange
}

// About implements Msg.
func (m ControlUpdate) About() Key { return m.Key }

// controlID is a control's identity on its instance: kind and target.
func controlID(kind, target string) string { return kind + "/" + target }

// controlsLocked replaces an instance's controls with those of its /info,
// publishing a ControlUpdate when they changed.
func (h *Hub) controlsFromInfoLocked(in *instance, list []wire.Control, now time.Time) {
	next := make(map[string]wire.Control, len(list))
	for _, c := range list {
		if c.Until.After(now) {
			next[controlID(c.Kind, c.Target)] = c
		}
	}
	if maps.EqualFunc(next, in.controls, sameControl) {
		return
	}
	in.controls = next
	h.publishControlsLocked(in, nil)
}

// controlEventLocked applies a control event: a control set replaces the
// one of its kind and target, a cleared or expired one goes, and a
// breaker reset ends the breaker's forced state.
func (h *Hub) controlEventLocked(in *instance, ch wire.ControlChange, now time.Time) {
	id := controlID(ch.Control.Kind, ch.Control.Target)
	switch ch.Action {
	case wire.ControlSet:
		if !ch.Control.Until.After(now) {
			delete(in.controls, id) // a clock far off, or a stale event
			break
		}
		if in.controls == nil {
			in.controls = map[string]wire.Control{}
		}
		in.controls[id] = ch.Control
	case wire.ControlCleared, wire.ControlExpired, wire.ControlReset:
		delete(in.controls, id)
	default:
		return // an action this version does not know: ignore it
	}
	h.publishControlsLocked(in, &ch)
}

// expireControlsLocked drops the controls whose time has passed, in case
// their expiry event was missed (a broken stream, polling), and publishes
// the list if it shrank.
func (h *Hub) expireControlsLocked(in *instance, now time.Time) {
	n := len(in.controls)
	maps.DeleteFunc(in.controls, func(_ string, c wire.Control) bool { return !c.Until.After(now) })
	if len(in.controls) != n {
		h.publishControlsLocked(in, nil)
	}
}

func (h *Hub) publishControlsLocked(in *instance, ch *wire.ControlChange) {
	h.publishLocked(ControlUpdate{Key: in.inst.Key, Controls: sortedControls(in.controls, time.Time{}), Change: ch})
}

// sortedControls lists controls by kind and target, leaving out those
// that end by now (when now is not zero).
func sortedControls(m map[string]wire.Control, now time.Time) []wire.Control {
	out := make([]wire.Control, 0, len(m))
	for _, c := range m {
		if now.IsZero() || c.Until.After(now) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b wire.Control) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Target, b.Target))
	})
	return out
}

func sameControl(a, b wire.Control) bool {
	return a.Kind == b.Kind && a.Target == b.Target && a.Breaker == b.Breaker && a.SetAt.Equal(b.SetAt) &&
		a.Until.Equal(b.Until) && a.By == b.By && a.From == b.From &&
		ptrEqual(a.Fault, b.Fault) && ptrEqual(a.Limit, b.Limit)
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// ControlSummary says in a few words what a control does: "fault
// GetBook: latency 200ms, error rate 0.5 (503)", "breaker
// bookstore.GetBook forced open", "limiter bookstore: 5/s burst 2",
// "drain". Remote text (the target) is kept as it is: renderers strip it.
func ControlSummary(c wire.Control) string {
	t := c.Target
	switch c.Kind {
	case wire.ControlFault:
		if c.Fault == nil {
			return "fault " + t
		}
		return "fault " + t + ": " + FaultSummary(*c.Fault)
	case wire.ControlBreaker:
		if c.Breaker == wire.BreakerReset {
			return "breaker " + t + " reset"
		}
		return "breaker " + t + " forced " + c.Breaker
	case wire.ControlLimiter:
		if c.Limit == nil {
			return "limiter " + t
		}
		return "limiter " + t + ": " + LimitSummary(*c.Limit)
	case wire.ControlDrain:
		return "drain"
	}
	return c.Kind + " " + t
}

// LimitSummary is a limiter override: "5/s burst 2", "5/s".
func LimitSummary(l wire.Limit) string {
	s := fmt.Sprintf("%g/s", l.Rate)
	if l.Burst > 0 {
		s += fmt.Sprintf(" burst %d", l.Burst)
	}
	return s
}

// FaultSummary lists what f injects: "latency 200ms, error rate 0.5
// (503)".
func FaultSummary(f wire.Fault) string {
	var parts []string
	switch lo, hi := time.Duration(f.Latency), time.Duration(f.LatencyMax); {
	case hi > lo:
		parts = append(parts, fmt.Sprintf("latency %s–%s", lo, hi))
	case lo > 0:
		parts = append(parts, "latency "+lo.String())
	}
	if f.ErrorRate > 0 {
		status := f.ErrorStatus
		if status == 0 {
			status = 503
		}
		parts = append(parts, fmt.Sprintf("error rate %g (%d)", f.ErrorRate, status))
	}
	if f.AbortRate > 0 {
		parts = append(parts, fmt.Sprintf("abort rate %g", f.AbortRate))
	}
	if f.StreamAfter > 0 {
		parts = append(parts, fmt.Sprintf("streams after %d messages", f.StreamAfter))
	}
	return strings.Join(parts, ", ")
}
