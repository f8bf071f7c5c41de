package dashboard

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// ExportTimeout bounds one export: reading the rings of the instances it
// names and writing the file.
const ExportTimeout = 30 * time.Second

// export runs req through Options.Export off the update loop, with the
// fleet as the hub knows it when the command runs; it ends with Close.
func (m *Model) export(req ui.ExportMsg) tea.Cmd {
	e, fleet, parent := m.opts.Export, m.bridge.fleet, m.ctx
	if e == nil {
		return ui.Notify(ui.Warn, "exporting exchanges is not available here")
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(parent, ExportTimeout)
		defer cancel()
		snap := fleet.Snapshot()
		insts := make([]hub.Instance, len(snap.Instances))
		for i, in := range snap.Instances {
			insts[i] = in.Instance
		}
		return ui.ExportResult(req, e.Export(ctx, req, insts))
	}
}
