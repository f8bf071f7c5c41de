package traces

import (
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// exportID names this waterfall's exports, so that it shows only its own
// answers.
func (w *Waterfall) exportID() string { return "trace " + w.id }

// export asks for every exchange of the trace on every instance its spans
// name (x): the gateway's call and the calls behind it, each instance read
// with the ring's trace filter.
func (w *Waterfall) export() tea.Cmd {
	if w.tr == nil {
		return ui.Notify(ui.Warn, "trace "+ShortID(w.id)+" is not in memory yet: which instances it touched is not known")
	}
	var parts []ui.ExportPart
	seen := map[hub.Key]bool{}
	for _, f := range w.fl {
		k := f.n.Span.Instance
		if k.InstanceID == "" || seen[k] {
			continue
		}
		seen[k] = true
		parts = append(parts, ui.ExportPart{Instance: k, Trace: w.id})
	}
	if len(parts) == 0 {
		return ui.Notify(ui.Warn, "no span of this trace names its instance: nothing to export")
	}
	w.exp.Asked()
	w.scroll()
	return ui.Export(ui.ExportMsg{For: w.exportID(), Name: "trace-" + ShortID(w.id), Parts: parts})
}
