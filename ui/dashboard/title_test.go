package dashboard_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
)

// titleLine is the screen's first line.
func titleLine(f *fixture) string { return strings.SplitN(f.screen(), "\n", 2)[0] }

// TestTitleCounts: with a filter, every tab's title says how many rows
// pass it of how many it holds, k9s-style ("2 Breakers 2/6 ·
// /bookstore-3"); without one, the title is the tab's name alone.
func TestTitleCounts(t *testing.T) {
	traces := make([]wire.Span, 0, 5)
	for i, svc := range []string{"gateway", "gateway", "bookstore", "gateway", "bookstore"} {
		traces = append(traces, wire.Span{TraceID: strings.Repeat(string(rune('a'+i)), 32), SpanID: strings.Repeat("1", 16),
			Name: "GetBook", Service: svc, Start: t0, DurationNS: 1e6, Status: "ok"})
	}
	var spans []hub.Span
	for _, s := range traces {
		spans = append(spans, hub.Span{Instance: gw, Span: s})
	}
	for _, c := range []struct {
		name, tab, filter, want string
	}{
		{"instances", "1", "b o o k s t o r e - 2", "1 Instances 1/4 · /bookstore-2"},
		{"instances inverted", "1", "! b o o k", "1 Instances 1/4 · /!book"},
		{"instances none", "1", "n o p e", "1 Instances 0/4 · /nope"},
		{"breakers", "2", "b o o k s t o r e - 3", "2 Breakers 2/6 · /bookstore-3"},
		{"limits", "3", "g a t e", "3 Limits 1/1 · /gate"},
		{"limits none", "3", "s t o r e", "3 Limits 0/1 · /store"},
		{"traces", "4", "s v c : b o o k s t o r e", "4 Traces 2/5 · /svc:bookstore"},
		{"controls", "5", "b r e a k e r", "5 Controls 2/4 · /breaker"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixtureFleet(t, colorprofile.NoTTY, 160, 48, &spanFleet{traces: hub.Join(spans)})
			runQuick(f, f.send(withControls()...))
			runQuick(f, f.keys(c.tab))
			title, _, _ := strings.Cut(c.want, " ·")
			if h := titleLine(f); strings.Contains(h, title) || strings.Contains(h, " · /") {
				t.Errorf("without a filter the header shows a count: %q", h)
			}
			for _, k := range strings.Fields("/ " + c.filter + " enter") {
				runQuick(f, f.send(press(k))) // the traces search answers in a command
			}
			if h := titleLine(f); !strings.Contains(h, c.want) {
				t.Errorf("header %q lacks %q", h, c.want)
			}
			runQuick(f, f.keys("esc"))
			if h := titleLine(f); strings.Contains(h, " · /") {
				t.Errorf("a cleared filter stays in the header: %q", h)
			}
		})
	}
}
