package traces_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/traces"
)

// x on a waterfall asks for the trace's exchanges on every instance its
// spans name, once each (the gateway and both Book instances behind it);
// the answer shows above the spans, in the body's height.
func TestWaterfallExportsTheTraceOnEveryInstance(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	src := &fakeSource{spans: fleetSpans(1)}
	tr, _ := src.Trace(traceRetry)
	w := traces.NewWaterfall(&st, keys.Default().Nav, src, traceRetry, tr)
	w.SetSize(120, 24)
	_, cmd := w.Update(press("x"))
	req, ok := cmd().(ui.ExportMsg)
	if !ok {
		t.Fatalf("x gave %#v, want ui.ExportMsg", cmd())
	}
	var got []hub.Key
	for _, p := range req.Parts {
		if p.Trace != traceRetry || len(p.Failures) != 0 || p.Before != 0 {
			t.Errorf("part %+v: want only the trace filter", p)
		}
		got = append(got, p.Instance)
	}
	want := []hub.Key{key("gateway", "gw-1"), key("bookstore", "book-1"), key("bookstore", "book-2")}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("instances %v, want %v", got, want)
	}
	if req.Name != "trace-4bf92f35" || req.For == "" {
		t.Errorf("request %q for %q", req.Name, req.For)
	}
	w.Update(ui.ExportedMsg{For: req.For, Path: ".kitbench/sessions/trace-4bf92f35.kitrec", Exchanges: 4, Summary: "4 exchanges from gw-1, book-1, book-2",
		Lines: []string{"kitbench replay .kitbench/sessions/trace-4bf92f35.kitrec --target http://127.0.0.1:1"}})
	out := w.View()
	for _, s := range []string{"exported .kitbench/sessions/trace-4bf92f35.kitrec · 4 exchanges", "--target http://127.0.0.1:1", "TIMELINE", "store.Get"} {
		if !strings.Contains(out, s) {
			t.Errorf("waterfall lacks %q:\n%s", s, out)
		}
	}
	if n := strings.Count(out, "\n") + 1; n > 24 {
		t.Errorf("%d lines in a body of 24", n)
	}
}

// A trace not in memory cannot say which instances it touched.
func TestWaterfallExportNeedsTheTrace(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	w := traces.NewWaterfall(&st, keys.Default().Nav, &fakeSource{}, traceRetry, nil)
	w.SetSize(120, 24)
	_, cmd := w.Update(press("x"))
	if n, ok := cmd().(ui.NoticeMsg); !ok || n.Level != ui.Warn || !strings.Contains(n.Text, "not in memory") {
		t.Errorf("x without the trace gave %#v", cmd())
	}
}
