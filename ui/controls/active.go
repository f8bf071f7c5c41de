package controls

import (
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
)

// Active is the controls in force on each instance, as the hub reports
// them: what the instances, breakers and limits views mark their rows
// with. The zero value is empty and ready.
type Active struct {
	m map[hub.Key][]wire.Control
}

// Apply takes the hub messages that change the controls (a snapshot, a
// ControlUpdate, an instance gone) and reports whether msg was one.
func (a *Active) Apply(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case hub.Snapshot:
		clear(a.m)
		for _, in := range msg.Instances {
			a.set(in.Key, in.Controls)
		}
	case hub.ControlUpdate:
		a.set(msg.Key, msg.Controls)
	case hub.InstanceGone:
		delete(a.m, msg.Key)
	default:
		return false
	}
	return true
}

func (a *Active) set(k hub.Key, cs []wire.Control) {
	if len(cs) == 0 {
		delete(a.m, k)
		return
	}
	if a.m == nil {
		a.m = map[hub.Key][]wire.Control{}
	}
	a.m[k] = cs
}

// Any reports whether any control is known, in force or not yet seen to
// end: the views rebuild their rows on every tick only then.
func (a *Active) Any() bool { return len(a.m) > 0 }

// Of returns the controls of instance k (shared: do not modify).
func (a *Active) Of(k hub.Key) []wire.Control { return a.m[k] }

// Find returns the control of kind on target of instance k that is still
// in force at now.
func (a *Active) Find(k hub.Key, kind, target string, now time.Time) (wire.Control, bool) {
	for _, c := range a.m[k] {
		if c.Kind == kind && c.Target == target && c.Until.After(now) {
			return c, true
		}
	}
	return wire.Control{}, false
}

// Left is the time until until at now, rounded up to the second, as a
// countdown reads: "38s", "2m10s", "1h0m0s"; "0s" once it has passed.
func Left(now, until time.Time) string {
	d := until.Sub(now)
	if d <= 0 {
		return "0s"
	}
	return (d + time.Second - 1).Truncate(time.Second).String()
}

// Marker is the word a row shows for a control with its countdown:
// "FAULT 38s", "FORCED OPEN 2m10s", "RATE 5/s 1m0s", "DRAINED 4m59s".
func Marker(c wire.Control, now time.Time) string {
	var w string
	switch c.Kind {
	case wire.ControlFault:
		w = "FAULT"
	case wire.ControlBreaker:
		w = "FORCED " + strings.ToUpper(c.Breaker)
	case wire.ControlLimiter:
		w = "RATE"
		if c.Limit != nil {
			w += " " + hub.LimitSummary(*c.Limit)
		}
	case wire.ControlDrain:
		w = "DRAINED"
	default:
		w = strings.ToUpper(c.Kind)
	}
	return w + " " + Left(now, c.Until)
}

// ShortMarker is Marker for a narrow column: a forced breaker reads
// "F-OPEN 2m10s" or "F-CLOSED 2m10s" (F for forced); the others read as
// Marker.
func ShortMarker(c wire.Control, now time.Time) string {
	if c.Kind == wire.ControlBreaker {
		return "F-" + strings.ToUpper(c.Breaker) + " " + Left(now, c.Until)
	}
	return Marker(c, now)
}

// InstanceMarker is what an instance's row shows for its controls in
// force at now: its drain, and its faults ("FAULT 38s" for one, "2
// FAULTS 38s" for more, with the soonest end). Empty when there is none.
func InstanceMarker(cs []wire.Control, now time.Time) string {
	var out []string
	faults := 0
	var soonest time.Time
	for _, c := range cs {
		if !c.Until.After(now) {
			continue
		}
		switch c.Kind {
		case wire.ControlDrain:
			out = append(out, Marker(c, now))
		case wire.ControlFault:
			faults++
			if soonest.IsZero() || c.Until.Before(soonest) {
				soonest = c.Until
			}
		}
	}
	switch {
	case faults == 1:
		out = append(out, "FAULT "+Left(now, soonest))
	case faults > 1:
		out = append(out, strconv.Itoa(faults)+" FAULTS "+Left(now, soonest))
	}
	return strings.Join(out, " · ")
}
