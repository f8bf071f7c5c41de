package breakers

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/ui/controls"
)

// CapturesKeys implements ui.KeyCapturer: while a question is asked,
// every key answers it.
func (v *View) CapturesKeys() bool { return v.prompt.Open() }

// controlKey asks before forcing the selected breaker open or closed or
// resetting it; false when k is none of those keys.
func (v *View) controlKey(k tea.KeyPressMsg) bool {
	var action string
	switch {
	case key.Matches(k, v.ck.ForceOpen):
		action = wire.BreakerForceOpen
	case key.Matches(k, v.ck.ForceClose):
		action = wire.BreakerForceClosed
	case key.Matches(k, v.ck.Reset):
		action = wire.BreakerReset
	default:
		return false
	}
	if r, ok := v.table.Selected(); ok {
		e := r.Value.(*entry)
		v.prompt.Ask(controls.BreakerAsk(e.key, e.name, action))
		v.fit()
	}
	return true
}

// marker is the forced state of e with its countdown ("FORCED OPEN
// 2m10s", short "F-OPEN 2m10s"), empty when no control holds it.
func (v *View) marker(e *entry, short bool) string {
	c, ok := v.act.Find(e.key, wire.ControlBreaker, e.name, v.now)
	switch {
	case !ok:
		return ""
	case short:
		return controls.ShortMarker(c, v.now)
	}
	return controls.Marker(c, v.now)
}

// fitMarkers chooses the markers' form and makes the STATE column wide
// enough to show them whole: the long form when the column has the room
// (taking it from the names' spare width), else the short one, taking
// what it needs from the names, which are cut instead.
func (v *View) fitMarkers() {
	long, short := 0, 0
	if v.act.Any() {
		for _, e := range v.items {
			if m := v.marker(e, false); m != "" {
				long = max(long, ansi.StringWidth(m))
				short = max(short, ansi.StringWidth(v.marker(e, true)))
			}
		}
	}
	v.short = long > v.table.Room(colState)
	if v.short {
		long = short
	}
	v.table.SetMinWidth(colState, long)
}

// colState is the STATE column, where a forced state shows.
const colState = 2

// fit gives the table what the summary line and the prompt leave.
func (v *View) fit() { v.table.SetSize(v.w, max(0, v.h-1-v.prompt.Height(v.w))) }

// controlHelp are the control keys in the list's help.
func (v *View) controlHelp() []key.Binding {
	return []key.Binding{v.ck.ForceOpen, v.ck.ForceClose, v.ck.Reset}
}
