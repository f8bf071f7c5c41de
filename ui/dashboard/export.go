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
	e := m.opts.Export
	if e == nil {
		return ui.Notify(ui.Warn, "exporting exchanges is not available here")
	}
	return m.withFleet(ExportTimeout, func(ctx context.Context, fleet []hub.Instance) tea.Msg {
		return ui.ExportResult(req, e.Export(ctx, req, fleet))
	})
}
