package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/dashio"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/sessions"
)

// bookInstance is a running Book instance as the hub would describe it,
// with its real introspection info.
func bookInstance(t *testing.T, inst *bookstore.Instance) hub.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := workbench.AdminInfo(ctx, "http://"+inst.AdminAddr)
	if err != nil {
		t.Fatal(err)
	}
	return hub.Instance{Key: hub.Key{Service: "bookstore", InstanceID: inst.InstanceID}, Address: inst.GRPCAddr,
		Health: sd.HealthPassing, State: hub.StateUp, Admin: "http://" + inst.AdminAddr, Info: &info,
		Meta: map[string]string{sd.MetaGRPC: inst.GRPCAddr, sd.MetaHTTP: inst.HTTPAddr, sd.MetaAdmin: "http://" + inst.AdminAddr}}
}

func newTestCalls(t *testing.T, dir string) *dashio.Actions {
	a := dashio.New(dir)
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return a
}

var traceID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestDashCallsAgainstBook(t *testing.T) {
	testutil.NoLeaks(t)
	inst := callBook(t, bookstore.Config{})
	book := bookInstance(t, inst)
	a := newTestCalls(t, t.TempDir())
	ctx := context.Background()

	tmpl, err := a.Template(ctx, call.Request{Service: "bookstore", Method: "CreateBook", Instances: []hub.Instance{book}})
	if err != nil || !json.Valid(tmpl) || !strings.Contains(string(tmpl), "title") {
		t.Fatalf("template %s, %v", tmpl, err)
	}

	// The first candidate is unreachable: the next one answers.
	gone := book
	gone.InstanceID, gone.Info = "gone-1", nil
	gone.Meta = map[string]string{sd.MetaGRPC: "127.0.0.1:1"}
	gone.Admin = ""
	r, err := a.Call(ctx, call.Request{Service: "bookstore", Method: "CreateBook", Instances: []hub.Instance{gone, book},
		Body: []byte(`{"book":{"title":"Dune","author":"Frank Herbert"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Transport != "grpc" || r.Instance != inst.InstanceID || !traceID.MatchString(r.TraceID) || !strings.Contains(string(r.Body), "Dune") {
		t.Fatalf("response %+v body %s", r, r.Body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(r.Body, &created); err != nil || created.ID == "" {
		t.Fatalf("created %s: %v", r.Body, err)
	}

	// An instance that publishes no gRPC address is called over HTTP.
	httpOnly := book
	httpOnly.Meta = map[string]string{sd.MetaHTTP: inst.HTTPAddr, sd.MetaAdmin: "http://" + inst.AdminAddr}
	httpOnly.Info = nil
	r, err = a.Call(ctx, call.Request{Service: "bookstore", Method: "GetBook", Instances: []hub.Instance{httpOnly},
		Body: []byte(`{"id":"` + created.ID + `"}`)})
	if err != nil || !r.OK || r.Transport != "http" || !strings.Contains(string(r.Body), "Frank Herbert") {
		t.Fatalf("HTTP call: %+v %s %v", r, r.Body, err)
	}
	r, err = a.Call(ctx, call.Request{Service: "bookstore", Method: "GetBook", Instances: []hub.Instance{book}, Body: []byte(`{"id":"nope"}`)})
	if err != nil || r.OK || r.Status != "NOT_FOUND" {
		t.Errorf("a missing book is an answer with its status: %+v %v", r, err)
	}
	if _, err := a.Call(ctx, call.Request{Service: "bookstore", Method: "GetBook", Instances: []hub.Instance{book}, Body: []byte(`{"id":`)}); err == nil || !strings.Contains(err.Error(), "invalid JSON") {
		t.Errorf("bad JSON: %v", err)
	}
	if _, err := a.Call(ctx, call.Request{Service: "bookstore", Method: "GetBook", Instances: []hub.Instance{gone}}); !errors.Is(err, invoke.ErrUnreachable) {
		t.Errorf("nothing reachable: %v", err)
	}
}

// TestDashRecordingReplays records calls made as the call view makes
// them, then opens and replays the file as the sessions view does: the
// same service passes; a changed one gives a diff naming the field.
func TestDashRecordingReplays(t *testing.T) {
	testutil.NoLeaks(t)
	inst := callBook(t, bookstore.Config{})
	book := bookInstance(t, inst)
	dir := t.TempDir()
	a := newTestCalls(t, dir)
	ctx := context.Background()

	st := a.ToggleRecording()
	if !st.On || st.Err != "" || !strings.HasPrefix(st.Path, ".kitbench/sessions/dashboard-") {
		t.Fatalf("toggle on: %+v", st)
	}
	for _, m := range []hub.Instance{book, {Key: book.Key, Meta: map[string]string{sd.MetaHTTP: inst.HTTPAddr, sd.MetaAdmin: "http://" + inst.AdminAddr}}} {
		r, err := a.Call(ctx, call.Request{Service: "bookstore", Method: "ListBooks", Instances: []hub.Instance{m}, Body: []byte(`{"page_size":5}`)})
		if err != nil || !r.OK || !r.Recorded {
			t.Fatalf("recorded call: %+v %v", r, err)
		}
	}
	if st := a.ToggleRecording(); st.On || st.Calls != 2 || st.Err != "" {
		t.Fatalf("toggle off: %+v", st)
	}
	info, err := os.Stat(filepath.Join(dir, st.Path))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v %v", info, err)
	}

	s := dashio.Sessions{Sessions: workbench.Sessions{Dir: dir}}
	files, err := s.List(ctx)
	if err != nil || len(files) != 1 || files[0].Path != st.Path {
		t.Fatalf("list: %+v %v", files, err)
	}
	sess, err := s.Open(ctx, files[0].Path)
	if err != nil || len(sess.Exchanges) != 2 {
		t.Fatalf("open: %+v %v", sess, err)
	}
	e := sess.Exchanges[0]
	if e.Name != "ListBooks" || e.Transport != "grpc" || e.Status != "OK" || !e.OK || e.Instance != inst.InstanceID || len(e.Response) == 0 {
		t.Errorf("exchange %+v", e)
	}
	if e := sess.Exchanges[1]; e.Transport != "http" || e.Status != "200" {
		t.Errorf("HTTP exchange %+v", e)
	}

	rep, err := s.Replay(ctx, files[0].Path, sessions.Target{Label: "as recorded"}, sessions.WritesRefused)
	if err != nil || rep.Passed != 2 || rep.Failed != 0 {
		t.Fatalf("replay against the same service: %+v %v", rep, err)
	}
	// Change the service: a new book makes the listing differ.
	if _, err := a.Call(ctx, call.Request{Service: "bookstore", Method: "CreateBook", Instances: []hub.Instance{book},
		Body: []byte(`{"book":{"title":"Emma","author":"Jane Austen"}}`)}); err != nil {
		t.Fatal(err)
	}
	target := sessions.Target{Label: inst.InstanceID, Specs: []string{"http://" + inst.HTTPAddr, "grpc://" + inst.GRPCAddr}}
	rep, err = s.Replay(ctx, files[0].Path, target, sessions.WritesRefused)
	if err != nil || rep.Failed != 2 {
		t.Fatalf("replay after a change: %+v %v", rep, err)
	}
	if d := strings.Join(rep.Results[0].Diffs, "\n"); !strings.Contains(d, "$.books") {
		t.Errorf("the diff should name the field: %q", d)
	}
	if _, err := s.Open(ctx, "../outside.kitrec"); err == nil {
		t.Error("a path outside the project must be refused")
	}
}

// TestDashWritesMatch pins the conversion of the sessions view's Writes
// to the workbench's, value for value.
func TestDashWritesMatch(t *testing.T) {
	for view, wb := range map[sessions.Writes]workbench.Writes{
		sessions.WritesRefused: workbench.WritesGuarded, // refused by Sessions.Replay
		sessions.WritesAllowed: workbench.WritesAllowed,
		sessions.WritesSkipped: workbench.WritesSkipped,
	} {
		if workbench.Writes(view) != wb {
			t.Errorf("sessions.Writes %d converts to workbench.Writes %d, want %d", view, workbench.Writes(view), wb)
		}
	}
}
