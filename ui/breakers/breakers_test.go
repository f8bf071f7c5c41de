package breakers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/scrape"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/breakers"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/trip"
)

var (
	t0  = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	gw  = hub.Key{Service: "gateway", InstanceID: "gateway-1"}
	bk3 = hub.Key{Service: "bookstore", InstanceID: "bookstore-3"}
)

func newView(t *testing.T) *breakers.View {
	t.Helper()
	st := styles.New(colorprofile.NoTTY)
	v := breakers.New(&st, keys.Default())
	v.SetSize(120, 20)
	return v
}

func send(v *breakers.View, msgs ...tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	for _, m := range msgs {
		_, cmd = v.Update(m)
	}
	return cmd
}

func press(s string) tea.KeyPressMsg {
	if s == "enter" {
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func brk(name, state string, req, fail uint64) wire.Breaker {
	b := wire.Breaker{Name: name, State: state, Counts: wire.BreakerCounts{Requests: req, Failures: fail}, LastTransition: t0}
	if req > 0 {
		b.ErrorRatio = float64(fail) / float64(req)
	}
	return b
}

// rowNames returns the BREAKER column of the rendered rows, top to bottom.
func rowNames(v *breakers.View) []string {
	var out []string
	for _, l := range strings.Split(v.View(), "\n")[2:] {
		f := strings.Fields(strings.TrimPrefix(l, ">"))
		if len(f) > 1 {
			out = append(out, f[1])
		}
	}
	return out
}

func TestOpenFirstThenSortByNameErrorVolume(t *testing.T) {
	v := newView(t)
	send(v,
		hub.BreakerUpdate{Key: gw, Breaker: brk("b-closed", wire.StateClosed, 500, 1)},
		hub.BreakerUpdate{Key: gw, Breaker: brk("a-half", wire.StateHalfOpen, 3, 0)},
		hub.BreakerUpdate{Key: gw, Breaker: brk("c-open", wire.StateOpen, 20, 15)},
		ui.TickMsg{Now: t0.Add(12 * time.Second)},
	)
	for _, step := range []struct {
		keys string
		want string
	}{
		{"", "c-open a-half b-closed"},  // worst first
		{"s", "a-half b-closed c-open"}, // name
		{"s", "c-open b-closed a-half"}, // error %
		{"s", "b-closed c-open a-half"}, // volume
		{"s", "c-open a-half b-closed"}, // back to worst first
	} {
		if step.keys != "" {
			send(v, press(step.keys))
		}
		if got := strings.Join(rowNames(v), " "); got != step.want {
			t.Errorf("after %q: rows %q, want %q", step.keys, got, step.want)
		}
	}
	out := v.View()
	for _, want := range []string{"1 open · 1 half-open · 1 closed", "75%", "12s"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
}

func TestRateSparklineFromSuccessiveUpdates(t *testing.T) {
	v := newView(t)
	var req uint64
	for i := range 12 {
		req += uint64(i * 10)
		send(v, hub.BreakerUpdate{Key: gw, Breaker: brk("x", wire.StateClosed, req, 0)},
			ui.TickMsg{Now: t0.Add(time.Duration(i) * time.Second)})
	}
	line := strings.Split(v.View(), "\n")[2]
	if !strings.Contains(line, "▁▂▃▃▄▅▆▇█") && !strings.Contains(line, "█") {
		t.Errorf("no rising sparkline: %q", line)
	}
	if strings.Count(line, "█") != 1 || !strings.Contains(line, "▇█ ") {
		t.Errorf("the newest (highest) sample should be the rightmost: %q", line)
	}
}

func TestTransitionsKeptBoundedAndPushedToTrip(t *testing.T) {
	v := newView(t)
	for i := range breakers.MaxTransitions + 5 {
		tr := wire.BreakerTransition{Name: "x", From: wire.StateClosed, To: wire.StateOpen, Time: t0.Add(time.Duration(i) * time.Second),
			Failures: []wire.BreakerFailure{{Time: t0, Error: fmt.Sprintf("boom %d", i), TraceID: fmt.Sprintf("%032d", i)}}}
		send(v, hub.BreakerUpdate{Key: bk3, Breaker: brk("x", wire.StateOpen, 10, 10), Transition: &tr})
	}
	send(v, ui.TickMsg{Now: t0.Add(time.Minute)})
	cmd := send(v, press("enter"))
	if cmd == nil {
		t.Fatal("enter returned no command")
	}
	push, ok := cmd().(ui.PushMsg)
	if !ok {
		t.Fatalf("enter gave %T, want ui.PushMsg", cmd())
	}
	tv, ok := push.View.(*trip.View)
	if !ok {
		t.Fatalf("pushed %T, want *trip.View", push.View)
	}
	tv.SetSize(120, 40)
	out := tv.View()
	if strings.Contains(out, "boom 4\n") || strings.Contains(out, "boom 4 ") {
		t.Errorf("transition 4 should have been dropped (bound %d):\n%s", breakers.MaxTransitions, out)
	}
	if !strings.Contains(out, fmt.Sprintf("boom %d", breakers.MaxTransitions+4)) {
		t.Errorf("newest transition missing:\n%s", out)
	}
}

func TestGoneAndSnapshot(t *testing.T) {
	v := newView(t)
	send(v, hub.BreakerUpdate{Key: gw, Breaker: brk("g", wire.StateClosed, 1, 0)},
		hub.BreakerUpdate{Key: bk3, Breaker: brk("b", wire.StateOpen, 1, 1)},
		hub.InstanceGone{Key: bk3}, ui.TickMsg{Now: t0})
	if got := rowNames(v); len(got) != 1 || got[0] != "g" {
		t.Fatalf("after InstanceGone rows %v", got)
	}
	send(v, hub.Snapshot{Instances: []hub.InstanceState{{Instance: hub.Instance{Key: bk3}, Breakers: []wire.Breaker{brk("n", wire.StateClosed, 0, 0)}}}})
	if got := rowNames(v); len(got) != 1 || got[0] != "n" {
		t.Fatalf("a snapshot replaces the set: rows %v", got)
	}
	send(v, hub.InstanceUpdate{Instance: hub.Instance{Key: bk3, State: hub.StateDown}}, ui.FilterMsg{Query: "zzz"})
	if !strings.Contains(v.View(), "no rows match /zzz") {
		t.Errorf("filter not applied:\n%s", v.View())
	}
}

// Every row's sparkline is drawn on one scale, over the stated window; each
// breaker shows the latency of the calls it guards: its endpoint's, or for
// an ejection breaker the ejected instance's, "<500µs" where the histogram
// cannot tell.
func TestSharedScaleAndLatency(t *testing.T) {
	v := newView(t)
	var busy, quiet uint64
	for i := range 4 {
		busy, quiet = busy+100, quiet+10
		send(v, hub.BreakerUpdate{Key: gw, Breaker: brk("gateway.GetBook", wire.StateClosed, busy, 0)},
			hub.BreakerUpdate{Key: bk3, Breaker: brk("GetBook", wire.StateClosed, quiet, 0)},
			ui.TickMsg{Now: t0.Add(time.Duration(i) * time.Second)})
	}
	for _, l := range strings.Split(v.View(), "\n") {
		switch {
		case strings.Contains(l, "gateway.GetBook") && !strings.Contains(l, "███"):
			t.Errorf("the busy breaker should draw full bars: %q", l)
		case strings.Contains(l, "bookstore-3") && (strings.Contains(l, "█") || !strings.Contains(l, "▁▁▁")):
			t.Errorf("the quiet breaker should draw low bars on the shared scale: %q", l)
		}
	}
	if !strings.Contains(v.View(), "RATE 10s") {
		t.Errorf("the window is not stated:\n%s", v.View())
	}

	fast := scrape.EndpointStats{Endpoint: "GetBook", Transport: "http", P50: 200 * time.Microsecond, P99: 490 * time.Microsecond, Floor: 500 * time.Microsecond}
	slow := scrape.EndpointStats{Endpoint: "GetBook", Transport: "http", P50: 3 * time.Millisecond, P99: 250 * time.Millisecond, Floor: 500 * time.Microsecond}
	send(v, hub.InstanceUpdate{Instance: hub.Instance{Key: bk3}},
		hub.MetricsUpdate{Key: bk3, Stats: scrape.Stats{Kit: true, Interval: time.Second, Endpoints: []scrape.EndpointStats{fast}, Instance: slow}},
		hub.MetricsUpdate{Key: gw, Stats: scrape.Stats{Kit: true, Interval: time.Second, Endpoints: []scrape.EndpointStats{slow}}},
		hub.BreakerUpdate{Key: gw, Breaker: brk("outlier/bookstore/bookstore-3", wire.StateOpen, 5, 5)},
		ui.TickMsg{Now: t0.Add(5 * time.Second)})
	want := map[string][]string{
		"gateway.GetBook": {"3.0ms", "250ms"},
		"outlier/":        {"3.0ms", "250ms"},
		"bookstore-3":     {"<500µs <500µs"},
	}
	for _, l := range strings.Split(v.View(), "\n") {
		for name, cells := range want {
			if strings.Contains(l, name) && !strings.Contains(l, "outlier/") || name == "outlier/" && strings.Contains(l, name) {
				for _, c := range cells {
					if !strings.Contains(l, c) {
						t.Errorf("%s row lacks %q: %q", name, c, l)
					}
				}
			}
		}
	}
}
