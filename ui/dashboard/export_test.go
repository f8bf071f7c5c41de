package dashboard_test

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/dashboard"
)

// exporter records what it is asked; the real one (cmd/kitbench over
// internal/workbench) is tested there, against live rings.
type exporter struct {
	req   ui.ExportMsg
	fleet []hub.Instance
	ctx   context.Context
}

func (e *exporter) Export(ctx context.Context, req ui.ExportMsg, fleet []hub.Instance) ui.ExportedMsg {
	e.req, e.fleet, e.ctx = req, fleet, ctx
	return ui.ExportedMsg{Path: ".kitbench/sessions/x.kitrec", Exchanges: 2, Summary: "2 exchanges from b-3"}
}

// A view's ui.ExportMsg reaches Options.Export off the update loop, with
// the fleet the hub holds and a deadline; the answer comes back for the
// view, with a notice naming the file.
func TestExportGoesToTheExporter(t *testing.T) {
	ff := &fakeFleet{snap: hub.Snapshot{Instances: []hub.InstanceState{
		{Instance: instance(hub.Key{Service: "bookstore", InstanceID: "b-3"}, 9003)},
	}}}
	e := &exporter{}
	m, err := dashboard.New(dashboard.Options{Export: e}, ff, make(chanStream))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	req := ui.ExportMsg{For: "trip b-3", Parts: []ui.ExportPart{{Instance: hub.Key{Service: "bookstore", InstanceID: "b-3"}, Before: 3}}}
	_, cmd := m.Update(req)
	if e.fleet != nil {
		t.Fatal("the export ran on the update loop")
	}
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("export answered %#v", cmd())
	}
	if e.req.For != "trip b-3" || len(e.fleet) != 1 || e.fleet[0].InstanceID != "b-3" {
		t.Errorf("exporter asked %+v with fleet %v", e.req, e.fleet)
	}
	if _, ok := e.ctx.Deadline(); !ok {
		t.Error("the export has no deadline")
	}
	if res, ok := batch[0]().(ui.ExportedMsg); !ok || res.For != "trip b-3" || res.Path != ".kitbench/sessions/x.kitrec" {
		t.Errorf("result %#v", batch[0]())
	}
	if n, ok := batch[1]().(ui.NoticeMsg); !ok || n.Text != "exported .kitbench/sessions/x.kitrec: 2 exchanges from b-3" {
		t.Errorf("notice %#v", batch[1]())
	}
}

func TestExportWithoutExporter(t *testing.T) {
	f := newFixture(t, 0, 120, 40)
	cmd := f.send(ui.ExportMsg{For: "x"})
	if n, ok := cmd().(ui.NoticeMsg); !ok || n.Level != ui.Warn {
		t.Errorf("got %#v, want a warning that exporting is not available", cmd())
	}
}
