// Package hubmsg unwraps the hub's messages as the views receive them, so
// the views do not depend on how the dashboard bridges the hub into Bubble
// Tea: a bare hub.Msg, a ui.Received[hub.Msg] from ui.WaitFor, or a batch of
// either. It is data plumbing only: no I/O.
package hubmsg

import (
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// Each calls fn for every hub message carried by msg, in order, and reports
// whether msg carried any.
func Each(msg tea.Msg, fn func(hub.Msg)) bool {
	switch m := msg.(type) {
	case ui.Received[hub.Msg]:
		if m.Value != nil {
			fn(m.Value)
		}
		return true
	case ui.Received[[]hub.Msg]:
		for _, v := range m.Value {
			fn(v)
		}
		return true
	case []hub.Msg:
		for _, v := range m {
			fn(v)
		}
		return true
	case hub.Msg:
		fn(m)
		return true
	}
	return false
}

// Snapshot returns the fleet snapshot msg carries, if it is one: a
// hub.Snapshot or a ui.Received[hub.Snapshot].
func Snapshot(msg tea.Msg) (hub.Snapshot, bool) {
	switch m := msg.(type) {
	case hub.Snapshot:
		return m, true
	case ui.Received[hub.Snapshot]:
		return m.Value, true
	case *hub.Snapshot:
		if m != nil {
			return *m, true
		}
	}
	return hub.Snapshot{}, false
}
