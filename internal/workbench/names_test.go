package workbench

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// TestOneFieldNamingRule checks kitbench's rule: a gRPC answer carries the
// .proto's field names, as the same answer over HTTP does, unless
// WireJSON asks for proto3 JSON's lowerCamelCase; --all's answers too.
func TestOneFieldNamingRule(t *testing.T) {
	inst := book(t, bookstore.Config{InstanceID: "book-1"})
	ctx := t.Context()
	keys := func(wire bool, in sd.Instance, method, body string) []string {
		t.Helper()
		c := NewCaller(CallerOptions{WireJSON: wire})
		got, err := c.Call(ctx, "bookstore", []sd.Instance{in}, invoke.Request{Method: method, Body: []byte(body)})
		if err != nil || !got.Result.OK() {
			t.Fatalf("%s: %v %+v", method, err, got)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(got.Result.Body, &m); err != nil {
			t.Fatal(err)
		}
		return slices.Sorted(maps.Keys(m))
	}
	created := keys(false, registered(inst), "bookstore.CreateBook", `{"book":{"title":"Dune","author":"Frank Herbert","year":1965}}`)
	overHTTP := keys(false, httpOnly(inst), "bookstore.GetBook", `{"id":"0000000000000001"}`)
	overGRPC := keys(false, registered(inst), "bookstore.GetBook", `{"id":"0000000000000001"}`)
	wire := keys(true, registered(inst), "bookstore.GetBook", `{"id":"0000000000000001"}`)
	want := []string{"author", "create_time", "id", "title", "year"}
	if !slices.Equal(created, want) || !slices.Equal(overGRPC, want) || !slices.Equal(overHTTP, want) {
		t.Errorf("fields: created %q, over gRPC %q, over HTTP %q; want %q", created, overGRPC, overHTTP, want)
	}
	if !slices.Contains(wire, "createTime") || slices.Contains(wire, "create_time") {
		t.Errorf("WireJSON: %q, want protojson's createTime", wire)
	}

	outs, _, _, err := NewCaller(CallerOptions{}).All(ctx, "bookstore", []sd.Instance{registered(inst)}, invoke.Request{Method: "bookstore.ListBooks"})
	if err != nil || len(outs) != 1 || outs[0].Result == nil || !strings.Contains(string(outs[0].Result.Body), `"create_time"`) {
		t.Errorf("All: %v %+v", err, outs)
	}
}
