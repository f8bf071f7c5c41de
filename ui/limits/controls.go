package limits

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/controls"
)

// CapturesKeys implements ui.KeyCapturer: while the rate form or its
// question is open, every key goes to it.
func (v *View) CapturesKeys() bool { return v.prompt.Open() }

// controlKey opens the rate form of the selected limiter; false when k
// is not its key.
func (v *View) controlKey(k tea.KeyPressMsg) bool {
	if !key.Matches(k, v.ck.Limit) {
		return false
	}
	if r, ok := v.table.Selected(); ok {
		e := r.Value.(*entry)
		v.prompt.Edit(controls.LimitForm(v.st, v.km, e.key, e.l))
		v.fit()
	}
	return true
}

// prompted gives a key or a paste to the open prompt.
func (v *View) prompted(msg tea.Msg) tea.Cmd {
	cmd := v.prompt.Update(msg)
	v.fit()
	return cmd
}

// marker is what e's RATE cell shows while an override holds it: the
// rate in force and its countdown, "5/s for 1m0s" (short "5/s 1m0s");
// empty when no control holds it.
func (v *View) marker(e *entry, short bool) string {
	c, ok := v.act.Find(e.key, wire.ControlLimiter, e.name, v.now)
	if !ok {
		return ""
	}
	rate := "?"
	if c.Limit != nil {
		rate = components.Rate(c.Limit.Rate)
	}
	if short {
		return rate + " " + controls.Left(v.now, c.Until)
	}
	return rate + " for " + controls.Left(v.now, c.Until)
}

// fitMarkers chooses the markers' form and widens their column to show
// them whole (controls.FitMarkers).
func (v *View) fitMarkers() {
	var items map[id]*entry
	if v.act.Any() {
		items = v.items
	}
	v.short = controls.FitMarkers(&v.table, colRate, items, v.marker)
}

// colRate is the RATE column, where an override shows.
const colRate = 3

// fit gives the table what the summary line and the prompt leave.
func (v *View) fit() { controls.Fit(&v.table, &v.prompt, v.w, v.h) }
