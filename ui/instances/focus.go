package instances

import (
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
)

// FocusMsg names the instances the view has on screen, the selected one
// among them, top to bottom: the ones worth refreshing at the full rate.
// The view sends one whenever that set changes; the dashboard hands it to
// the hub (hub.Hub.SetFocus).
type FocusMsg struct{ Keys []hub.Key }

// focusCmd returns a command that delivers FocusMsg when the instances on
// screen changed since the last one, else nil.
// It allocates only when they changed: it runs on every key.
func (v *View) focusCmd() tea.Cmd {
	v.onScreen = v.table.Visible(v.onScreen[:0])
	same := len(v.onScreen) == len(v.focus)
	for i := 0; same && i < len(v.onScreen); i++ {
		same = v.onScreen[i].Value.(*row).rec.inst.Key == v.focus[i]
	}
	if same {
		return nil
	}
	keys := make([]hub.Key, len(v.onScreen))
	for i, r := range v.onScreen {
		keys[i] = r.Value.(*row).rec.inst.Key
	}
	v.focus = keys
	return func() tea.Msg { return FocusMsg{Keys: keys} }
}
