package call_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/styles"
)

// fakes are the seam the view is tested through: they record what the view
// asked for and answer from fixed data, counting calls so a test can show
// that Update and View make none.
type fakeCaller struct {
	mu        sync.Mutex
	calls     []call.Request
	templates int
	answer    func(call.Request) (call.Response, error)
}

func (f *fakeCaller) Call(_ context.Context, req call.Request) (call.Response, error) {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	f.mu.Unlock()
	if f.answer != nil {
		return f.answer(req)
	}
	return call.Response{Instance: req.Instances[0].InstanceID, Transport: "grpc", Target: req.Instances[0].Address,
		Method: "/bookstore.v1.BookService/" + req.Method, Status: "OK", OK: true, Latency: 3200 * time.Microsecond,
		TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", Body: []byte(`{"books":[{"id":"0000000000000001","title":"Dune"}],"next_page_token":""}`)}, nil
}

func (f *fakeCaller) Template(_ context.Context, req call.Request) ([]byte, error) {
	f.mu.Lock()
	f.templates++
	f.mu.Unlock()
	return []byte(`{"id":""}`), nil
}

func (f *fakeCaller) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls) + f.templates
}

type fakeHistory struct {
	mu      sync.Mutex
	entries []call.HistoryEntry
	ops     int
}

func (f *fakeHistory) List(context.Context) ([]call.HistoryEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops++
	return append([]call.HistoryEntry(nil), f.entries...), nil
}

func (f *fakeHistory) Save(_ context.Context, e call.HistoryEntry) (call.HistoryEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops++
	e.ID = fmt.Sprintf("h%03d", len(f.entries))
	f.entries = append([]call.HistoryEntry{e}, f.entries...)
	return e, nil
}

type fakeRecorder struct{ on bool }

func (f *fakeRecorder) ToggleRecording() ui.RecordingMsg {
	f.on = !f.on
	return ui.RecordingMsg{On: f.on, Path: ".kitbench/sessions/dashboard-1.kitrec"}
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.Local)

func instance(svc, id, addr, health string, eps ...wire.EndpointDoc) hub.Instance {
	return hub.Instance{Key: hub.Key{Service: svc, InstanceID: id}, Address: addr, Health: health, State: hub.StateUp,
		Meta: map[string]string{"kit_grpc": addr}, Info: &wire.Info{Service: svc, InstanceID: id, Endpoints: eps}}
}

func bookEndpoints() []wire.EndpointDoc {
	return []wire.EndpointDoc{
		{Name: "GetBook", Transport: "grpc", GRPCMethod: "/bookstore.v1.BookService/GetBook"},
		{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/v1/books/{id}"},
		{Name: "ListBooks", Transport: "grpc", GRPCMethod: "/bookstore.v1.BookService/ListBooks", RequestExample: json.RawMessage(`{"page_size":10,"page_token":""}`)},
		{Name: "CreateBook", Transport: "grpc", GRPCMethod: "/bookstore.v1.BookService/CreateBook", RequestExample: json.RawMessage(`{"title":"Dune","author":"Frank Herbert"}`)},
	}
}

func fleet() []hub.Msg {
	return []hub.Msg{
		hub.InstanceUpdate{Instance: instance("bookstore", "book-1", "127.0.0.1:9001", "passing", bookEndpoints()...)},
		hub.InstanceUpdate{Instance: instance("bookstore", "book-2", "127.0.0.1:9002", "passing", bookEndpoints()...)},
		hub.InstanceUpdate{Instance: instance("bookstore", "book-3", "127.0.0.1:9003", "critical", bookEndpoints()...)},
		hub.InstanceUpdate{Instance: instance("gateway", "gw-1", "127.0.0.1:8080", "passing",
			wire.EndpointDoc{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books/{id}"})},
	}
}

type fixture struct {
	caller *fakeCaller
	hist   *fakeHistory
	rec    *fakeRecorder
	v      *call.View
	m      *root.Model
	msgs   []tea.Msg // messages the commands produced
}

func newFixture(t testing.TB, prof colorprofile.Profile, w, h int) *fixture {
	t.Helper()
	st := styles.New(prof)
	f := &fixture{caller: &fakeCaller{}, hist: &fakeHistory{}, rec: &fakeRecorder{}}
	f.v = call.New(&st, keys.Default(), call.Deps{Caller: f.caller, History: f.hist, Recorder: f.rec}, call.Options{})
	m, err := root.New(root.Options{Styles: &st}, root.Tab{ID: "call", View: f.v})
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
// messages back. Tests that send run inside synctest, so the notice timer
// fires at once in fake time.
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

// keys presses each key of a space-separated list; "type:TEXT" types TEXT.
func (f *fixture) keys(list string) {
	for _, k := range strings.Fields(list) {
		if s, ok := strings.CutPrefix(k, "type:"); ok {
			for _, r := range s {
				f.send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		f.send(press(k))
	}
}

func press(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"down": {Code: tea.KeyDown}, "up": {Code: tea.KeyUp}, "enter": {Code: tea.KeyEnter},
		"esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab}, "backspace": {Code: tea.KeyBackspace},
		"ctrl+s": {Code: 's', Mod: tea.ModCtrl}, "end": {Code: tea.KeyEnd}, "space": {Code: tea.KeySpace, Text: " "},
	}
	if k, ok := named[s]; ok {
		return k
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// lastOf returns the last message the commands produced that match.
func (f *fixture) lastOf(match func(any) bool) tea.Msg {
	for i := len(f.msgs) - 1; i >= 0; i-- {
		if match(f.msgs[i]) {
			return f.msgs[i]
		}
	}
	return nil
}

func (f *fixture) notice() ui.NoticeMsg {
	n, _ := f.lastOf(func(m any) bool { _, ok := m.(ui.NoticeMsg); return ok }).(ui.NoticeMsg)
	return n
}

var errUnreachable = errors.New("unreachable: dial tcp 127.0.0.1:9001: connect: connection refused")
