package traces_test

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/traces"
)

// fakeSource is the seam the view is tested through: it holds spans as the
// hub would and counts every call, so a test can assert that Update and
// View make none.
type fakeSource struct {
	spans []hub.Span
	calls atomic.Int32
	mu    sync.Mutex
	pins  []string // the ids of the last Pin
}

func (f *fakeSource) Pin(ids ...string) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pins = slices.Clone(ids)
}

func (f *fakeSource) pinned() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pins
}

func (f *fakeSource) Traces(limit int) []*hub.Trace {
	f.calls.Add(1)
	ts := hub.Join(f.spans)
	if limit > 0 && len(ts) > limit {
		ts = ts[:limit]
	}
	return ts
}

func (f *fakeSource) Trace(id string) (*hub.Trace, bool) {
	f.calls.Add(1)
	var mine []hub.Span
	for _, s := range f.spans {
		if s.TraceID == id {
			mine = append(mine, s)
		}
	}
	if len(mine) == 0 {
		return nil, false
	}
	return hub.Join(mine)[0], true
}

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.Local)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

func key(svc, id string) hub.Key { return hub.Key{Service: svc, InstanceID: id} }

func span(k hub.Key, trace, id, parent, name string, startMS, durMS float64, status string, ev ...wire.SpanEvent) hub.Span {
	return hub.Span{Instance: k, Span: wire.Span{
		TraceID: trace, SpanID: id, ParentSpanID: parent, Name: name, Service: k.Service, Kind: "server",
		Start: at(startMS), DurationNS: int64(durMS * float64(time.Millisecond)), Status: status,
		Attributes: map[string]string{"http.route": "/v1/books/{id}", "rpc.method": name},
		Events:     ev,
	}}
}

func event(name string, ms float64, attrs ...string) wire.SpanEvent {
	a := map[string]string{}
	for i := 0; i+1 < len(attrs); i += 2 {
		a[attrs[i]] = attrs[i+1]
	}
	return wire.SpanEvent{Name: name, Time: at(ms), Attributes: a}
}

const (
	traceRetry = "4bf92f3577b34da6a3ce929d0e0e4736"
	traceOK    = "00f067aa0ba902b7aaaaaaaaaaaaaaaa"
)

// fleetSpans is a fixed data set: a gateway call that retried onto another
// instance after a breaker rejected it, plus n quick traces.
func fleetSpans(n int) []hub.Span {
	gw, b1, b2 := key("gateway", "gw-1"), key("bookstore", "book-1"), key("bookstore", "book-2")
	spans := []hub.Span{
		span(gw, traceRetry, "a1", "", "GET /books/{id}", 100, 42, "error",
			event("lb.instance", 101, "instance.id", "book-1", "instance.address", "127.0.0.1:9001", "retry.attempt", "0"),
			event("circuitbreaker", 102, "circuitbreaker.name", "bookstore.GetBook", "circuitbreaker.state", "open", "circuitbreaker.rejected", "true"),
			event("retry", 110, "retry.attempt", "1"),
			event("lb.instance", 111, "instance.id", "book-2", "instance.address", "127.0.0.1:9002", "retry.attempt", "1"),
			event("lb.eject", 112, "instance.id", "book-1", "instance.address", "127.0.0.1:9001", "ejection.count", "1")),
		span(gw, traceRetry, "a2", "a1", "bookstore.GetBook", 101, 3, "error"),
		span(b1, traceRetry, "a3", "a2", "GetBook", 101.5, 1.5, "error"),
		span(gw, traceRetry, "a4", "a1", "bookstore.GetBook", 111, 30, "ok"),
		span(b2, traceRetry, "a5", "a4", "GetBook", 112, 27, "ok",
			event("ratelimit", 112.5, "ratelimit.name", "bookstore", "ratelimit.decision", "wait", "ratelimit.wait", "20ms")),
		span(b2, traceRetry, "a6", "a5", "store.Get", 133, 4, "ok"),
	}
	spans[0].Kind = "client"
	for i := range n {
		id := strings.Repeat("0", 28) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + "01"
		if i == 0 {
			id = traceOK
		}
		spans = append(spans, span(b1, id, "s"+id[28:], "", "ListBooks", 200+float64(i)*10, 1+float64(i%7), "ok"))
	}
	return spans
}

type fixture struct {
	t   testing.TB
	src *fakeSource
	v   *traces.View
	m   *root.Model
}

func newFixture(t testing.TB, prof colorprofile.Profile, w, h int, spans []hub.Span) *fixture {
	t.Helper()
	return newFixtureOpts(t, prof, w, h, spans, traces.Options{})
}

func newFixtureOpts(t testing.TB, prof colorprofile.Profile, w, h int, spans []hub.Span, opts traces.Options) *fixture {
	t.Helper()
	st := styles.New(prof)
	f := &fixture{t: t, src: &fakeSource{spans: spans}}
	f.v = traces.New(&st, keys.Default(), f.src, opts)
	m, err := root.New(root.Options{Styles: &st}, root.Tab{ID: "traces", View: f.v})
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	f.send(tea.WindowSizeMsg{Width: w, Height: h})
	return f
}

// send delivers msg to the root and runs the commands it returns, feeding
// their messages back, the way the program would. Tests that send run
// inside synctest, so a tick (the refresh pause, a notice's expiry) fires
// at once in the bubble's fake time.
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
		"down": {Code: tea.KeyDown}, "up": {Code: tea.KeyUp}, "enter": {Code: tea.KeyEnter},
		"esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab}, "pgdown": {Code: tea.KeyPgDown},
		" ": {Code: tea.KeySpace, Text: " "},
	}
	if k, ok := named[s]; ok {
		return k
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// spansArrived is what the dashboard's hub bridge delivers.
func spansArrived(spans []hub.Span) hub.Msg {
	b := hub.SpanBatch{}
	if len(spans) > 0 {
		b.Key = spans[0].Instance
	}
	for _, s := range spans {
		b.Spans = append(b.Spans, s.Span)
	}
	return b
}

// results runs cmd and the commands it batches, as the program would,
// and returns the messages they produce (a Pin command produces none).
func results(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch m := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, results(c)...)
		}
		return out
	default:
		return []tea.Msg{m}
	}
}
