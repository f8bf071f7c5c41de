package breakers

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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

// fitMarkers chooses the markers' form and widens their column to show
// them whole (controls.FitMarkers).
func (v *View) fitMarkers() {
	var items map[id]*entry
	if v.act.Any() {
		items = v.items
	}
	v.short = controls.FitMarkers(&v.table, colState, items, v.marker)
}

// colState is the STATE column, where a forced state shows.
const colState = 2

// fit gives the table what the summary line and the prompt leave.
func (v *View) fit() { controls.Fit(&v.table, &v.prompt, v.w, v.h) }

// controlHelp are the control keys in the list's help.
func (v *View) controlHelp() []key.Binding {
	return []key.Binding{v.ck.ForceOpen, v.ck.ForceClose, v.ck.Reset}
}
