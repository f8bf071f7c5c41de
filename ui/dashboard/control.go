package dashboard

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// ControlTimeout bounds one control request: reading the instance's
// controls and setting or clearing one (or one per endpoint).
const ControlTimeout = 15 * time.Second

// control runs req through Options.Controls off the update loop, with the
// fleet as the hub knows it when the command runs; it ends with Close.
func (m *Model) control(req ui.ControlMsg) tea.Cmd {
	c := m.opts.Controls
	if c == nil {
		return ui.Notify(ui.Warn, "controls are not available here: nothing changed")
	}
	return m.withFleet(ControlTimeout, func(ctx context.Context, fleet []hub.Instance) tea.Msg {
		return ui.ControlResult(req, c.Control(ctx, req, fleet))
	})
}

// withFleet runs do off the update loop, bounded by timeout (and by the
// dashboard's end), with the instances the hub knows when it runs.
func (m *Model) withFleet(timeout time.Duration, do func(ctx context.Context, fleet []hub.Instance) tea.Msg) tea.Cmd {
	fleet, parent := m.bridge.fleet, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, timeout)
		defer cancel()
		snap := fleet.Snapshot()
		insts := make([]hub.Instance, len(snap.Instances))
		for i, in := range snap.Instances {
			insts[i] = in.Instance
		}
		return do(ctx, insts)
	}
}
