package instances

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/controls"
)

// CapturesKeys implements ui.KeyCapturer: while a fault form or a
// question is open, every key goes to it.
func (v *View) CapturesKeys() bool { return v.prompt.Open() }

// controlKey opens the fault form or asks before a drain of the selected
// instance; false when k is neither key.
func (v *View) controlKey(k tea.KeyPressMsg) bool {
	fault, drain := key.Matches(k, v.ck.Fault), key.Matches(k, v.ck.Drain)
	if !fault && !drain {
		return false
	}
	r, ok := v.table.Selected()
	if !ok {
		return true
	}
	in := r.Value.(*row).rec.inst
	if fault {
		v.prompt.Edit(controls.FaultForm(v.st, v.km, in.Key, endpointsOf(in)))
	} else {
		v.prompt.Ask(controls.DrainAsk(in.Key))
	}
	v.fit()
	return true
}

// prompted gives a key or a paste to the open prompt.
func (v *View) prompted(msg tea.Msg) tea.Cmd {
	cmd := v.prompt.Update(msg)
	v.fit()
	return cmd
}

// fit gives the table what the summary line and the prompt leave.
func (v *View) fit() { controls.Fit(&v.table, &v.prompt, v.w, v.h) }

// endpointsOf are the names of the endpoints an instance serves, each
// once, in order.
func endpointsOf(in hub.Instance) []string {
	if in.Info == nil {
		return nil
	}
	var out []string
	for _, e := range in.Info.Endpoints {
		if !slices.Contains(out, e.Name) {
			out = append(out, e.Name)
		}
	}
	return out
}

// withMarker is an instance's state with the marker of its controls:
// "up · FAULT 38s"; in a column narrower than that, the marker stands in
// for "up" ("FAULT 38s") and follows another state after a space.
func withMarker(state, marker string, width int) string {
	long := state + " · " + marker
	switch {
	case ansi.StringWidth(long) <= width:
		return long
	case state == string(hub.StateUp):
		return marker
	}
	return state + " " + marker
}

// controlHelp are the control keys in the list's help.
func (v *View) controlHelp() []key.Binding { return []key.Binding{v.ck.Fault, v.ck.Drain} }
