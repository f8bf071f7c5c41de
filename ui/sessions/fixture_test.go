package sessions_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/sessions"
	"github.com/kitbench/kitbench/ui/styles"
)

// fakeStore is the seam the views are tested through: fixed files and
// sessions, a scripted replay, and a count of every call.
type fakeStore struct {
	mu       sync.Mutex
	files    []sessions.File
	sessions map[string]*sessions.Session
	replays  []sessions.Target
	writes   []sessions.Writes
	report   func(path string, t sessions.Target, w sessions.Writes) *sessions.Report
	ops      int
}

func (f *fakeStore) List(context.Context) ([]sessions.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops++
	return append([]sessions.File(nil), f.files...), nil
}

func (f *fakeStore) Open(_ context.Context, path string) (*sessions.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops++
	s, ok := f.sessions[path]
	if !ok {
		return nil, errors.New("open " + path + ": no such file or directory")
	}
	return s, nil
}

func (f *fakeStore) Replay(_ context.Context, path string, t sessions.Target, w sessions.Writes) (*sessions.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops++
	f.replays = append(f.replays, t)
	f.writes = append(f.writes, w)
	return f.report(path, t, w), nil
}

type fakeRecorder struct{ on bool }

func (f *fakeRecorder) ToggleRecording() ui.RecordingMsg {
	f.on = !f.on
	return ui.RecordingMsg{On: f.on, Path: ".kitbench/sessions/dashboard-1.kitrec"}
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.Local)

func books() *sessions.Session {
	return &sessions.Session{Path: "testdata/books_grpc.kitrec", Service: "bookstore", Created: t0, Exchanges: []sessions.Exchange{
		{ID: "1", Name: "CreateBook", Service: "bookstore", Transport: "grpc", Target: "127.0.0.1:9090", Status: "OK", OK: true,
			Duration: 1200 * time.Microsecond, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736",
			Request: []string{"{", `  "title": "Dune"`, "}"}, Response: []string{"{", `  "id": "0000000000000001",`, `  "title": "Dune"`, "}"}},
		{ID: "2", Name: "GetBook", Service: "bookstore", Transport: "grpc", Target: "127.0.0.1:9090", Status: "OK", OK: true,
			Duration: 800 * time.Microsecond, Request: []string{`{"id": "0000000000000001"}`}, Response: []string{`{"title": "Dune"}`}},
		{ID: "3", Name: "GetBook", Service: "bookstore", Transport: "grpc", Target: "127.0.0.1:9090", Status: "NOT_FOUND",
			Duration: 500 * time.Microsecond, Request: []string{`{"id": "42"}`}},
	}}
}

func fleet() []hub.Msg {
	inst := func(id, http, grpc string) hub.Msg {
		return hub.InstanceUpdate{Instance: hub.Instance{Key: hub.Key{Service: "bookstore", InstanceID: id}, Address: grpc,
			Meta: map[string]string{"kit_http": http, "kit_grpc": grpc}, Health: "passing", State: hub.StateUp}}
	}
	return []hub.Msg{
		inst("book-1", "127.0.0.1:8001", "127.0.0.1:9001"),
		inst("book-2", "127.0.0.1:8002", "127.0.0.1:9002"),
		hub.InstanceUpdate{Instance: hub.Instance{Key: hub.Key{Service: "gateway", InstanceID: "gw-1"}, Meta: map[string]string{"kit_http": "127.0.0.1:8080"}}},
	}
}

func newStore() *fakeStore {
	return &fakeStore{
		files: []sessions.File{
			{Path: "testdata/books_grpc.kitrec", Size: 2345, Modified: t0},
			{Path: ".kitbench/sessions/dashboard-20250314-092653.kitrec", Size: 120 << 10, Modified: t0.Add(-time.Hour)},
			{Path: "broken.kitrec", Size: 12, Modified: t0.Add(-48 * time.Hour)},
		},
		sessions: map[string]*sessions.Session{"testdata/books_grpc.kitrec": books()},
		report: func(string, sessions.Target, sessions.Writes) *sessions.Report {
			return &sessions.Report{Passed: 2, Failed: 1, Results: []sessions.Result{
				{Index: 0, OK: true, Status: "OK", Duration: time.Millisecond},
				{Index: 1, Status: "OK", Duration: time.Millisecond, Diffs: []string{`$.title: want "Dune", got "Emma"`}},
				{Index: 2, OK: true, Status: "NOT_FOUND", Duration: time.Millisecond},
			}}
		},
	}
}

type fixture struct {
	store *fakeStore
	rec   *fakeRecorder
	v     *sessions.View
	m     *root.Model
	msgs  []tea.Msg
}

func newFixture(t testing.TB, prof colorprofile.Profile, w, h int) *fixture {
	t.Helper()
	st := styles.New(prof)
	f := &fixture{store: newStore(), rec: &fakeRecorder{}}
	f.v = sessions.New(&st, keys.Default(), f.store, f.rec)
	m, err := root.New(root.Options{Styles: &st}, root.Tab{ID: "sessions", View: f.v})
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	f.send(tea.WindowSizeMsg{Width: w, Height: h})
	for _, msg := range fleet() {
		f.send(msg)
	}
	return f
}

// send delivers msg and runs the commands it returns, feeding their
// messages back; tests run in synctest, so notice timers fire at once.
func (f *fixture) send(msg tea.Msg) {
	_, cmd := f.m.Update(msg)
	f.run(cmd, 0)
}

func (f *fixture) run(cmd tea.Cmd, depth int) {
	if cmd == nil || depth > 16 {
		return
	}
	switch m := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range m {
			f.run(c, depth+1)
		}
	default:
		f.msgs = append(f.msgs, m)
		_, next := f.m.Update(m)
		f.run(next, depth+1)
	}
}

func (f *fixture) keys(list string) {
	for _, k := range strings.Fields(list) {
		f.send(press(k))
	}
}

func press(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"down": {Code: tea.KeyDown}, "up": {Code: tea.KeyUp}, "enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape},
	}
	if k, ok := named[s]; ok {
		return k
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func (f *fixture) notice() ui.NoticeMsg {
	for i := len(f.msgs) - 1; i >= 0; i-- {
		if n, ok := f.msgs[i].(ui.NoticeMsg); ok {
			return n
		}
	}
	return ui.NoticeMsg{}
}
