package dashio

import (
	"context"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// The dashboard's export goes through workbench.Export in the project
// directory, and a failure comes back as the answer's Err, with no file.
func TestDashboardExportWiring(t *testing.T) {
	a := New(t.TempDir())
	defer a.Close()
	res := a.Export(context.Background(), ui.ExportMsg{Name: "trace-x", Parts: []ui.ExportPart{
		{Instance: hub.Key{Service: "bookstore", InstanceID: "bookstore-9"}, Trace: "4bf92f3577b34da6a3ce929d0e0e4736"},
	}}, nil)
	if res.Path != "" || !strings.Contains(res.Err, "bookstore-9 is not in the fleet") {
		t.Errorf("export of an unknown instance: %+v", res)
	}
}
