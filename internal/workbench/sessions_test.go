package workbench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// TestRecorderSessionsReplay records calls as the dashboard does, then
// lists, opens and replays the file: the same service passes; a changed
// one gives a diff naming the field.
func TestRecorderSessionsReplay(t *testing.T) {
	inst := book(t, bookstore.Config{InstanceID: "book-1"})
	dir := t.TempDir()
	ctx := context.Background()
	c := NewCaller(CallerOptions{Keep: true})
	defer c.Close()
	at := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	r := NewRecorder(dir, "test", func() time.Time { return at })
	defer r.Close()

	list := invoke.Request{Method: "bookstore.ListBooks", Body: []byte(`{"page_size":5}`)}
	first, err := c.Call(ctx, "bookstore", []sd.Instance{registered(inst)}, list)
	if err != nil {
		t.Fatal(err)
	}
	if r.Record(first) {
		t.Error("recorded while not recording")
	}
	st := r.Toggle()
	if want := filepath.Join(SessionsDir, "dashboard-20250314-092653.000.kitrec"); !st.On || st.Path != want || st.Err != "" {
		t.Fatalf("toggle on: %+v, want the path %s", st, want)
	}
	for _, in := range []sd.Instance{registered(inst), httpOnly(inst)} {
		call, err := c.Call(ctx, "bookstore", []sd.Instance{in}, list)
		if err != nil || !r.Record(call) {
			t.Fatalf("recorded call: %+v %v", call, err)
		}
	}
	if st := r.Toggle(); st.On || st.Calls != 2 || st.Err != "" {
		t.Fatalf("toggle off: %+v", st)
	}
	info, err := os.Stat(filepath.Join(dir, st.Path))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v %v", info, err)
	}

	s := Sessions{Dir: dir}
	files, err := s.List(ctx)
	if err != nil || len(files) != 1 || files[0].Path != filepath.ToSlash(st.Path) {
		t.Fatalf("list: %+v %v", files, err)
	}
	sess, err := s.Open(ctx, files[0].Path)
	if err != nil || len(sess.Exchanges) != 2 || !sess.Created.Equal(at) {
		t.Fatalf("open: %+v %v", sess, err)
	}
	if e := sess.Exchanges[0]; e.Name != "ListBooks" || e.Transport != "grpc" || e.Status != "OK" || !e.OK || e.Instance != "book-1" || len(e.Request) == 0 {
		t.Errorf("exchange %+v", e)
	}
	if e := sess.Exchanges[1]; e.Name != "ListBooks" || e.Transport != "http" || e.Status != "200" || !e.OK {
		t.Errorf("HTTP exchange %+v", e)
	}

	rep, err := s.Replay(ctx, files[0].Path, nil, WritesRefused)
	if err != nil || rep.Passed != 2 || rep.Failed != 0 || rep.Results[0].Status != "OK" || rep.Results[1].Status != "200" {
		t.Fatalf("replay against the same service: %+v %v", rep, err)
	}
	if _, err := c.Call(ctx, "bookstore", []sd.Instance{registered(inst)}, invoke.Request{Method: "bookstore.CreateBook",
		Body: []byte(`{"book":{"title":"Emma","author":"Jane Austen"}}`)}); err != nil {
		t.Fatal(err)
	}
	rep, err = s.Replay(ctx, files[0].Path, []string{"http://" + inst.HTTPAddr, "grpc://" + inst.GRPCAddr}, WritesRefused)
	if err != nil || rep.Failed != 2 {
		t.Fatalf("replay after a change: %+v %v", rep, err)
	}
	if d := strings.Join(rep.Results[0].Diffs, "\n"); !strings.Contains(d, "$.books") {
		t.Errorf("the diff should name the field: %q", d)
	}
	for _, p := range []string{"../outside.kitrec", "/etc/passwd"} {
		if _, err := s.Open(ctx, p); err == nil {
			t.Errorf("%s: a path outside the project must be refused", p)
		}
	}
}

func TestSessionBodiesForPeople(t *testing.T) {
	dir := t.TempDir()
	w, err := recorder.Create(filepath.Join(dir, "big.kitrec"), recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	long := "[" + strings.Repeat("1,", MaxBodyLines+9) + "1]" // MaxBodyLines+12 lines indented
	ex := recorder.Exchange{Transport: recorder.TransportHTTP, Request: recorder.Request{Method: "POST", Path: "/v1/x",
		Body: recorder.NewBody("application/json", []byte(`{"n":9007199254740993,"a":"<b>"}`))},
		Response: recorder.Response{Status: 500, Body: recorder.NewBody("text/plain", []byte("oops"))}}
	ex2 := ex
	ex2.Response = recorder.Response{Status: 200, Body: recorder.NewBody("application/json", []byte(long))}
	for _, e := range []recorder.Exchange{ex, ex2} {
		if err := w.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	sess, err := Sessions{Dir: dir}.Open(context.Background(), "big.kitrec")
	if err != nil || len(sess.Exchanges) != 2 {
		t.Fatal(sess, err)
	}
	e := sess.Exchanges[0]
	if got := strings.Join(e.Request, "\n"); got != "{\n  \"n\": 9007199254740993,\n  \"a\": \"<b>\"\n}" {
		t.Errorf("request shown as\n%s", got)
	}
	if e.Name != "POST /v1/x" || e.Status != "500" || e.OK || len(e.Response) != 1 || e.Response[0] != "(4 bytes, not JSON)" {
		t.Errorf("exchange %+v", e)
	}
	lines := sess.Exchanges[1].Response
	if len(lines) != MaxBodyLines+1 || lines[MaxBodyLines] != "… 12 more lines" {
		t.Errorf("%d lines, the last %q", len(lines), lines[len(lines)-1])
	}
}
