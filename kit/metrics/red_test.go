package metrics

import (
	"context"
	"reflect"
	"testing"

	"github.com/kitbench/kitbench/kit/introspect"
)

// TestREDMatchesTheExposition checks that RED carries, per endpoint and
// transport, the codes and histogram that /metrics exposes.
func TestREDMatchesTheExposition(t *testing.T) {
	m, _ := newMetrics(t)
	get := m.Middleware("GetBook", "http")(statusEndpoint)
	list := m.Middleware("ListBooks", "grpc")(statusEndpoint)
	ctx := context.Background()
	for _, req := range []any{0, 0, 0, 404, 503} {
		_, _ = get(ctx, req)
	}
	_, _ = list(ctx, 0)

	got := map[string]introspect.REDEndpoint{}
	for _, e := range m.RED() {
		got[e.Endpoint+"/"+e.Transport] = e
	}
	if len(got) != 2 {
		t.Fatalf("RED has %d endpoints, want 2: %+v", len(got), got)
	}
	g := got["GetBook/http"]
	if want := map[string]uint64{"ok": 3, "404": 1, "503": 1}; !reflect.DeepEqual(g.Codes, want) {
		t.Errorf("GetBook codes = %v, want %v", g.Codes, want)
	}
	if !reflect.DeepEqual(g.Bounds, DefaultBuckets) {
		t.Errorf("GetBook bounds = %v, want the default buckets", g.Bounds)
	}
	if len(g.Counts) != len(DefaultBuckets)+1 || g.Counts[len(g.Counts)-1] != 5 {
		t.Errorf("GetBook counts = %v, want %d cumulative counts ending in 5 calls", g.Counts, len(DefaultBuckets)+1)
	}
	if l := got["ListBooks/grpc"]; l.Codes["ok"] != 1 || l.Counts[len(l.Counts)-1] != 1 {
		t.Errorf("ListBooks = %+v, want one ok call", l)
	}
}
