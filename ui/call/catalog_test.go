package call

import (
	"encoding/json"
	"testing"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
)

// A method offered over HTTP and gRPC is called over gRPC, so its editor
// must start from the gRPC example, whatever order the docs come in.
func TestExampleFollowsTheTransportCallsUse(t *testing.T) {
	for _, order := range [][]string{{"http", "grpc"}, {"grpc", "http"}} {
		examples := map[string]string{"http": `{"title":"x"}`, "grpc": `{"book":{"title":"x"}}`}
		var eps []wire.EndpointDoc
		for _, tr := range order {
			eps = append(eps, wire.EndpointDoc{Name: "CreateBook", Transport: tr, RequestExample: json.RawMessage(examples[tr])})
		}
		c := newCatalog()
		c.apply(hub.InstanceUpdate{Instance: hub.Instance{Key: hub.Key{Service: "bookstore", InstanceID: "b1"},
			Info: &wire.Info{Service: "bookstore", Endpoints: eps}}})
		ms := c.methods()
		if len(ms) != 1 || string(ms[0].example) != examples["grpc"] {
			t.Fatalf("docs in order %v: example %s, want the gRPC one", order, ms[0].example)
		}
	}
	// Offered over HTTP only: the HTTP example.
	c := newCatalog()
	c.apply(hub.InstanceUpdate{Instance: hub.Instance{Key: hub.Key{Service: "s", InstanceID: "i"},
		Info: &wire.Info{Service: "s", Endpoints: []wire.EndpointDoc{{Name: "M", Transport: "http", RequestExample: json.RawMessage(`{"a":1}`)}}}}})
	if ms := c.methods(); string(ms[0].example) != `{"a":1}` {
		t.Fatalf("HTTP-only example %s", ms[0].example)
	}
}
