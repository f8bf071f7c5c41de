package traces_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/traces"
)

func newView(src traces.Source) *traces.View {
	st := styles.New(colorprofile.NoTTY)
	v := traces.New(&st, keys.Default(), src, traces.Options{})
	v.SetSize(120, 30)
	return v
}

// TestRefreshIsCoalesced: the first hub message asks for the list; spans
// arriving while a refresh runs mark it dirty; when it lands, one more
// refresh follows after the pause, never more than one at a time.
func TestRefreshIsCoalesced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fakeSource{spans: fleetSpans(3)}
		v := newView(src)
		batch := spansArrived(src.spans[:1])

		vv, cmd := v.Update(hub.SourceStatus{Ready: true})
		if cmd == nil {
			t.Fatal("the first hub message should ask for the list")
		}
		if _, again := vv.Update(batch); again != nil {
			t.Fatal("a second refresh started while one runs")
		}
		if src.calls.Load() != 0 {
			t.Fatal("Update called the source")
		}
		msg := cmd()
		if src.calls.Load() != 1 {
			t.Fatalf("the command made %d calls, want 1", src.calls.Load())
		}
		_, next := v.Update(msg)
		due := results(next) // the pause (in fake time), and the pin of the newest trace
		if len(due) != 1 {
			t.Fatalf("spans arrived during the refresh: one more should be scheduled, got %v", due)
		}
		if v.Len() != 4 {
			t.Fatalf("list has %d traces, want 4", v.Len())
		}
		if _, c := v.Update(batch); c != nil {
			t.Fatal("a refresh started during the pause")
		}
		_, fetch := v.Update(due[0])
		if fetch == nil {
			t.Fatal("the pause ended without a refresh")
		}
		_, after := v.Update(fetch())
		if m := results(after); len(m) != 0 {
			t.Fatalf("the refresh after the pause covers the spans that came during it: no more should follow, got %v", m)
		}
		// A message that is not the hub's changes nothing.
		if _, c := v.Update("tick"); c != nil {
			t.Fatal("an unknown message started work")
		}
	})
}

// TestUpdateAndViewMakeNoSourceCalls is the invariant: only commands read
// the source.
func TestUpdateAndViewMakeNoSourceCalls(t *testing.T) {
	src := &fakeSource{spans: fleetSpans(20)}
	v := newView(src)
	var cmds []tea.Cmd
	var cur ui.View = v
	for _, msg := range []tea.Msg{spansArrived(src.spans), ui.FilterMsg{Query: "list"}, press("j"), press("s"), press("enter"), ui.OpenTraceMsg{TraceID: traceRetry}} {
		var c tea.Cmd
		cur, c = cur.Update(msg)
		cmds = append(cmds, c)
		_ = cur.View()
	}
	if n := src.calls.Load(); n != 0 {
		t.Fatalf("Update/View called the source %d times", n)
	}
	for _, c := range cmds {
		if c != nil {
			c()
		}
	}
	if src.calls.Load() == 0 {
		t.Fatal("the commands should have read the source")
	}
}

func TestFilterAndSort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30, fleetSpans(12))
		f.send(spansArrived(f.src.spans))
		if f.v.Len() != 13 {
			t.Fatalf("%d traces, want 13", f.v.Len())
		}
		f.keys("/ e r r o r enter")
		if f.v.Len() != 1 || !strings.Contains(f.m.Render(), "gateway GET /books/{id}") {
			t.Fatalf("/error should leave the failed trace:\n%s", f.m.Render())
		}
		f.keys("esc / ! e r r o r enter")
		if f.v.Len() != 12 {
			t.Fatalf("/!error: %d traces", f.v.Len())
		}
		f.keys("esc / 4 b f 9 2 enter") // the full trace id is searchable
		if f.v.Len() != 1 {
			t.Fatalf("filter by trace id: %d traces", f.v.Len())
		}
		f.keys("esc s") // by duration, longest first
		lines := strings.Split(f.m.Render(), "\n")
		if !strings.Contains(lines[3], "42.0ms") || !strings.Contains(lines[1], "slowest first") {
			t.Fatalf("sorted by duration, the 42 ms trace should lead:\n%s", strings.Join(lines[:5], "\n"))
		}
	})
}

func TestEnterOpensWaterfall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 120, 30, fleetSpans(2))
		f.send(spansArrived(f.src.spans))
		f.keys("/ g a t e w a y enter enter")
		screen := f.m.Render()
		for _, want := range []string{"trace 4bf92f35", "6 spans", "2 services", "error", "GetBook", "store.Get", "TIMELINE"} {
			if !strings.Contains(screen, want) {
				t.Errorf("waterfall lacks %q:\n%s", want, screen)
			}
		}
		// The root span's details list its resilience events in order.
		for _, want := range []string{
			"instance book-1 (127.0.0.1:9001)",
			"breaker bookstore.GetBook open · rejected the call",
			"retry attempt 1",
			"instance book-2 (127.0.0.1:9002) · attempt 1",
			"ejected book-1 (127.0.0.1:9001) ×1",
		} {
			if !strings.Contains(screen, want) {
				t.Errorf("details lack %q:\n%s", want, screen)
			}
		}
		f.keys("j j j j") // down to the limiter wait on book-2
		if s := f.m.Render(); !strings.Contains(s, "limiter bookstore wait 20ms") || !strings.Contains(s, "instance book-2") {
			t.Errorf("book-2's span should show its limiter wait:\n%s", s)
		}
		f.keys("esc")
		if strings.Contains(f.m.Render(), "TIMELINE") {
			t.Error("esc should return to the list")
		}
	})
}

// TestOpenTraceMsg: the message from another view pushes the waterfall on
// the focused tab; an unknown trace says so and fills in when its spans
// arrive.
func TestOpenTraceMsg(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		all := fleetSpans(2)
		f := newFixture(t, colorprofile.NoTTY, 120, 30, all[6:]) // the retry trace is not held yet
		f.send(spansArrived(f.src.spans))
		f.send(ui.OpenTraceMsg{TraceID: strings.ToUpper(traceRetry)})
		if s := f.m.Render(); !strings.Contains(s, "is not in memory yet") || !strings.Contains(s, traceRetry) {
			t.Fatalf("an unknown trace should say so:\n%s", s)
		}
		f.src.spans = all
		f.send(spansArrived(all[:6]))
		if s := f.m.Render(); !strings.Contains(s, "6 spans") {
			t.Fatalf("the waterfall should fill in when the spans arrive:\n%s", s)
		}
		f.keys("esc")
		f.send(ui.OpenTraceMsg{TraceID: traceOK})
		if s := f.m.Render(); !strings.Contains(s, "bookstore ListBooks") || !strings.Contains(s, "1 span ") {
			t.Fatalf("open a held trace:\n%s", s)
		}
	})
}

func TestEventNamesMatchKit(t *testing.T) {
	for name, want := range map[string]string{
		tracing.EventBreaker: "breaker", tracing.EventLimiter: "limiter", tracing.EventRetry: "retry",
		tracing.EventInstance: "instance", lb.EventEject: "ejected",
	} {
		text, _, res := traces.Event(event(name, 0))
		if !res || !strings.HasPrefix(text, want) {
			t.Errorf("%s: %q resilience=%v", name, text, res)
		}
	}
	if text, _, res := traces.Event(event("exception", 0, "b", "2", "a", "1")); res || text != "exception a=1 b=2" {
		t.Errorf("other event: %q %v", text, res)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[string]string{"0s": "0", "5ns": "5ns", "850us": "850µs", "12.34ms": "12.3ms", "250ms": "250ms", "1.256s": "1.26s", "123s": "2m03s"} {
		if got := traces.Duration(mustDur(d)); got != want {
			t.Errorf("Duration(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestGolden pins the list and the waterfall at 80×24 and 160×48 with the
// NoTTY profile. Regenerate with: go test ./ui/traces -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, s := range []struct{ name, keys string }{
			{"list", ""},
			{"waterfall", "/ g a t e w a y enter enter"},
			{"waterfall_leaf", "/ g a t e w a y enter enter G"},
			{"empty", "/ n o n e enter"},
		} {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], s.name), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					f := newFixture(t, colorprofile.NoTTY, size[0], size[1], fleetSpans(40))
					f.send(spansArrived(f.src.spans))
					f.keys(s.keys)
					golden.RequireEqual(t, f.m.Render())
				})
			})
		}
	}
}
