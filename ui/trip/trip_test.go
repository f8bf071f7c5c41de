package trip_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
	"github.com/kitbench/kitbench/ui/trip"
)

var (
	t0 = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	gw = hub.Key{Service: "gateway", InstanceID: "gateway-1"}
)

const name = "outlier/bookstore/bookstore-3"

func opened(at time.Duration, failures ...wire.BreakerFailure) wire.BreakerTransition {
	return wire.BreakerTransition{Name: name, From: wire.StateClosed, To: wire.StateOpen, Time: t0.Add(at),
		Counts: wire.BreakerCounts{Requests: 20, Failures: 12, ConsecutiveFailures: 5}, Failures: failures}
}

func newView(trans ...wire.BreakerTransition) *trip.View {
	st := styles.New(colorprofile.NoTTY)
	b := wire.Breaker{Name: name, State: wire.StateOpen, LastTransition: t0, ErrorRatio: 0.6,
		Counts:   wire.BreakerCounts{Requests: 20, Failures: 12},
		Settings: wire.BreakerSettings{Policy: "consecutive", ConsecutiveFailures: 5, OpenTimeoutNS: int64(5 * time.Second), HalfOpenMaxCalls: 1}}
	v := trip.New(&st, keys.Default(), trip.Breaker{Key: gw, Breaker: b, Transitions: trans}, t0.Add(4*time.Second))
	v.SetSize(120, 30)
	return v
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestShowsTransitionsAndFailuresAndOpensTraces(t *testing.T) {
	v := newView(opened(0,
		wire.BreakerFailure{Time: t0.Add(-2 * time.Second), Error: "503 failing on purpose", TraceID: "aaaa0000aaaa0000aaaa0000aaaa0000"},
		wire.BreakerFailure{Time: t0.Add(-1 * time.Second), Error: "deadline exceeded"},
	))
	out := v.View()
	for _, want := range []string{
		name + " on gateway/gateway-1 · OPEN for 4s",
		"opens after 5 failures in a row · stays open 5s · 1 trial call(s) when half-open",
		"closed → open", "12:00:00.000",
		"503 failing on purpose", "aaaa0000aaaa0000aaaa0000aaaa0000", "(not traced)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	// The newest failure is first: the untraced one says so on enter.
	_, cmd := v.Update(press("enter"))
	if n, ok := cmd().(ui.NoticeMsg); !ok || !strings.Contains(n.Text, "no trace id") {
		t.Errorf("enter on an untraced failure gave %#v", cmd())
	}
	v.Update(press("down"))
	_, cmd = v.Update(press("enter"))
	if m, ok := cmd().(ui.OpenTraceMsg); !ok || m.TraceID != "aaaa0000aaaa0000aaaa0000aaaa0000" {
		t.Errorf("enter on a traced failure gave %#v, want ui.OpenTraceMsg", cmd())
	}
}

func TestFollowsItsBreakerOnly(t *testing.T) {
	v := newView()
	if out := v.View(); !strings.Contains(out, "none seen since the workbench started watching") {
		t.Errorf("no-transition message missing:\n%s", out)
	}
	other := opened(time.Second, wire.BreakerFailure{Error: "other breaker"})
	other.Name = "something-else"
	v.Update(hub.BreakerUpdate{Key: gw, Breaker: wire.Breaker{Name: "something-else", State: wire.StateOpen}, Transition: &other})
	v.Update(hub.BreakerUpdate{Key: hub.Key{Service: "x", InstanceID: "y"}, Breaker: wire.Breaker{Name: name, State: wire.StateClosed}, Transition: &other})
	if out := v.View(); strings.Contains(out, "other breaker") || !strings.Contains(out, "OPEN") {
		t.Errorf("took another breaker's update:\n%s", out)
	}
	half := wire.BreakerTransition{Name: name, From: wire.StateOpen, To: wire.StateHalfOpen, Time: t0.Add(5 * time.Second)}
	closed := wire.BreakerTransition{Name: name, From: wire.StateHalfOpen, To: wire.StateClosed, Time: t0.Add(6 * time.Second)}
	v.Update(hub.BreakerUpdate{Key: gw, Breaker: wire.Breaker{Name: name, State: wire.StateHalfOpen}, Transition: &half})
	v.Update(hub.BreakerUpdate{Key: gw, Breaker: wire.Breaker{Name: name, State: wire.StateClosed, LastTransition: t0.Add(6 * time.Second)}, Transition: &closed})
	v.Update(ui.TickMsg{Now: t0.Add(9 * time.Second)})
	out := v.View()
	if !strings.Contains(out, "CLOSED for 3s") {
		t.Errorf("state not followed:\n%s", out)
	}
	if i, j := strings.Index(out, "half-open → closed"), strings.Index(out, "open → half-open"); i < 0 || j < 0 || i > j {
		t.Errorf("transitions not newest first:\n%s", out)
	}
	v.Update(hub.InstanceGone{Key: gw})
	if !strings.Contains(v.View(), "instance gone") {
		t.Error("gone instance not shown")
	}
}

func TestFitsSmallBodies(t *testing.T) {
	v := newView(opened(0, wire.BreakerFailure{Error: strings.Repeat("x", 500), TraceID: "t"}))
	for _, size := range [][2]int{{80, 21}, {80, 5}, {200, 60}} {
		v.SetSize(size[0], size[1])
		lines := strings.Split(v.View(), "\n")
		if len(lines) > size[1] && size[1] >= 10 {
			t.Errorf("%v: %d lines", size, len(lines))
		}
		for i, l := range lines {
			if w := len([]rune(l)); w > size[0] {
				t.Errorf("%v: line %d is %d wide", size, i, w)
			}
		}
	}
}

// A timeout read off a clock ("59.999960761s") reads as the minute it is.
func TestDurationsAreRounded(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	b := wire.Breaker{Name: "outlier/bookstore/bookstore-3", State: wire.StateOpen, LastTransition: t0, ErrorRatio: 1,
		Counts:   wire.BreakerCounts{Requests: 5, Failures: 5, ConsecutiveFailures: 5},
		Settings: wire.BreakerSettings{Policy: "consecutive", ConsecutiveFailures: 5, OpenTimeoutNS: 59999960761}}
	v := trip.New(&st, keys.Default(), trip.Breaker{Key: gw, Breaker: b}, t0.Add(4*time.Second))
	v.SetSize(120, 30)
	out := v.View()
	if !strings.Contains(out, "stays open 1m0s") || strings.Contains(out, "59.99") {
		t.Errorf("unrounded open timeout:\n%s", out)
	}
	if !strings.Contains(out, "now: 5 calls, 5 failed (100%), 5 in a row") {
		t.Errorf("an ejection breaker's window is not shown like any breaker's:\n%s", out)
	}
}
