package dashio

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/ui/call"
)

// TestDashRecordsStreams: with recording on, a stream started from the
// call view — a watch the user cancels, an import the user half-closes —
// is recorded at its end as one stream exchange with its messages and
// status; with recording off, none is.
func TestDashRecordsStreams(t *testing.T) {
	testutil.NoLeaks(t)
	inst := booktest.Start(t, bookstore.Config{})
	book := hub.Instance{Key: hub.Key{Service: "bookstore", InstanceID: inst.InstanceID}, Address: inst.GRPCAddr,
		Health: sd.HealthPassing, State: hub.StateUp, Meta: map[string]string{sd.MetaGRPC: inst.GRPCAddr}}
	dir := t.TempDir()
	a := New(dir)
	defer a.Close()
	ctx := t.Context()
	req := func(method, body string) call.Request {
		return call.Request{Service: "bookstore", Method: method, Instances: []hub.Instance{book}, Body: []byte(body)}
	}
	if r, err := a.Call(ctx, req("CreateBook", `{"book":{"title":"Dune"}}`)); err != nil || !r.OK || r.Recorded {
		t.Fatalf("CreateBook with recording off: %+v %v", r, err)
	}
	watch := func() call.Response {
		t.Helper()
		r, err := a.Call(ctx, req("WatchBooks", `{}`))
		if err != nil || r.Stream == nil {
			t.Fatalf("WatchBooks: %+v %v", r, err)
		}
		for range 2 { // Dune, then the end of the existing books
			if _, _, ok := r.Stream.Next(ctx); !ok {
				t.Fatal("WatchBooks ended early")
			}
		}
		r.Stream.Cancel()
		for _, _, ok := r.Stream.Next(context.Background()); ok; _, _, ok = r.Stream.Next(context.Background()) {
		}
		end, err := r.Stream.End()
		if err != nil || end.Status != "CANCELLED" {
			t.Fatalf("cancelled WatchBooks: %+v %v", end, err)
		}
		return end
	}
	if end := watch(); end.Recorded {
		t.Errorf("a stream recorded with recording off: %+v", end)
	}

	st := a.ToggleRecording()
	if !st.On || st.Err != "" {
		t.Fatalf("toggle on: %+v", st)
	}
	if end := watch(); !end.Recorded {
		t.Errorf("the watch was not recorded: %+v", end)
	}
	r, err := a.Call(ctx, req("ImportBooks", `{"book":{"title":"A"}}`))
	if err != nil || r.Stream == nil {
		t.Fatalf("ImportBooks: %+v %v", r, err)
	}
	if err := r.Stream.Send(ctx, []byte(`{"book":{"title":"B"}}`)); err != nil {
		t.Fatal(err)
	}
	r.Stream.CloseSend()
	for _, _, ok := r.Stream.Next(ctx); ok; _, _, ok = r.Stream.Next(ctx) {
	}
	if end, err := r.Stream.End(); err != nil || !end.OK || !end.Recorded {
		t.Errorf("ImportBooks: %+v %v", end, err)
	}
	if st := a.ToggleRecording(); st.On || st.Calls != 2 || st.Err != "" {
		t.Fatalf("toggle off: %+v", st)
	}

	s, err := recorder.ReadFile(filepath.Join(dir, st.Path), recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 2 {
		t.Fatalf("session: %v %v", err, s)
	}
	w, imp := s.Exchanges[0], s.Exchanges[1]
	if w.Endpoint != "WatchBooks" || w.Stream == nil || w.Stream.Kind != recorder.StreamServer || !w.Stream.Cancelled || w.Response.GRPCCode != 1 ||
		len(w.Request.Messages) != 1 || len(w.Response.Messages) < 2 || !strings.Contains(string(w.Response.Messages[0].Body.JSON), `"title":"Dune"`) {
		t.Errorf("watch exchange %+v, stream %+v", w, w.Stream)
	}
	if imp.Endpoint != "ImportBooks" || imp.Stream == nil || imp.Stream.Kind != recorder.StreamClient || imp.Stream.Cancelled || imp.Response.GRPCCode != 0 ||
		len(imp.Request.Messages) != 2 || string(imp.Request.Messages[1].Body.JSON) != `{"book":{"title":"B"}}` ||
		len(imp.Response.Messages) != 1 || !strings.Contains(string(imp.Response.Messages[0].Body.JSON), `"imported_count":2`) {
		t.Errorf("import exchange %+v, stream %+v", imp, imp.Stream)
	}
}
