package instances

import (
	"slices"

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
func (v *View) focusCmd() tea.Cmd {
	rows := v.table.Visible()
	keys := make([]hub.Key, 0, len(rows))
	for _, r := range rows {
		keys = append(keys, r.Value.(*row).rec.inst.Key)
	}
	if slices.Equal(keys, v.focus) {
		return nil
	}
	v.focus = keys
	return func() tea.Msg { return FocusMsg{Keys: keys} }
}
