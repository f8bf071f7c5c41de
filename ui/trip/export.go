package trip

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// ContrastCalls is how many successful calls from just before the first
// failure an export takes, to show what the endpoint answered when it
// worked.
const ContrastCalls = 3

// exportID names this view's exports, so that it shows only its own
// answers.
func (v *View) exportID() string { return "trip " + v.key.String() + " " + v.b.Name }

// export asks for the failing requests the view lists (every transition's
// failures), and the few successful calls before them, as a session (x).
func (v *View) export() tea.Cmd {
	var fails []wire.BreakerFailure
	for _, t := range v.trans {
		fails = append(fails, t.Failures...)
	}
	if len(fails) == 0 {
		return ui.Notify(ui.Warn, "no failures recorded with these transitions: nothing to export until the breaker trips")
	}
	inst, endpoint := exportTarget(v.key, v.b.Name)
	v.exp.Asked()
	return ui.Export(ui.ExportMsg{
		For:  v.exportID(),
		Name: "trip-" + inst.InstanceID + "-" + v.b.Name,
		Parts: []ui.ExportPart{{
			Instance: inst, Failures: fails, Endpoint: endpoint, Before: ContrastCalls,
		}},
	})
}

// exportTarget is the instance that served the calls whose failures
// tripped breaker name on k, and their endpoint. An ejection breaker
// ("outlier/SERVICE/ID", a balancer's view of an instance) is about the
// ejected instance, whose calls of any endpoint counted; a kit breaker
// named after a method ("GetBook", or "bookstore.GetBook" on a gateway,
// which serves the same method) guards that endpoint of its own instance.
// A name holding a full gRPC method ("/pkg.Service/Method") is used as it
// is: the ring's endpoint filter takes those too.
func exportTarget(k hub.Key, name string) (hub.Key, string) {
	if rest, ok := strings.CutPrefix(name, "outlier/"); ok {
		if svc, id, ok := strings.Cut(rest, "/"); ok && svc != "" && id != "" && !strings.Contains(id, "/") {
			return hub.Key{Service: svc, InstanceID: id}, ""
		}
	}
	if strings.Contains(name, "/") {
		return k, name
	}
	return k, name[strings.LastIndexByte(name, '.')+1:]
}
