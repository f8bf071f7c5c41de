package limits

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
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

// marker is e's override with its countdown ("RATE 5/s 1m0s"), empty
// when no control holds it.
func (v *View) marker(e *entry) string {
	if c, ok := v.act.Find(e.key, wire.ControlLimiter, e.name, v.now); ok {
		return controls.Marker(c, v.now)
	}
	return ""
}

// fit gives the table what the summary line and the prompt leave.
func (v *View) fit() { v.table.SetSize(v.w, max(0, v.h-1-v.prompt.Height(v.w))) }
