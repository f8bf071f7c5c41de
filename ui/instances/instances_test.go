package instances_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/scrape"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/instances"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

var t0 = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)

func key(svc, id string) hub.Key { return hub.Key{Service: svc, InstanceID: id} }

func inst(k hub.Key, state hub.State, health string) hub.Instance {
	return hub.Instance{Key: k, Address: "127.0.0.1:1" + k.InstanceID[len(k.InstanceID)-1:], Health: health, State: state, Since: t0, Intro: hub.IntroStream}
}

func metrics(k hub.Key, rate, failRatio float64, p99 time.Duration) hub.MetricsUpdate {
	return hub.MetricsUpdate{Key: k, Time: t0, Stats: scrape.Stats{Kit: true, Interval: 2 * time.Second,
		Instance: scrape.EndpointStats{Rate: rate, ErrorRatio: failRatio, FailureRatio: failRatio, P99: p99},
		Endpoints: []scrape.EndpointStats{
			{Endpoint: "GetBook", Transport: "grpc", Rate: rate, ErrorRatio: failRatio, FailureRatio: failRatio, P50: p99 / 4, P90: p99 / 2, P99: p99},
			{Endpoint: "Hidden", Transport: "http", Rate: 1},
		}}}
}

func newView() *instances.View {
	st := styles.New(colorprofile.NoTTY)
	v := instances.New(&st, keys.Default())
	v.SetSize(140, 20)
	return v
}

func send(v ui.View, msgs ...tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	for _, m := range msgs {
		_, cmd = v.Update(m)
	}
	return cmd
}

// ids returns the INSTANCE column, top to bottom.
func ids(v *instances.View) []string {
	var out []string
	for _, l := range strings.Split(v.View(), "\n")[2:] {
		if f := strings.Fields(strings.TrimPrefix(l, ">")); len(f) > 1 {
			out = append(out, f[1])
		}
	}
	return out
}

func fleet() []tea.Msg {
	a1, a2, a3, g := key("alpha", "alpha-1"), key("alpha", "alpha-2"), key("alpha", "alpha-3"), key("zeta", "zeta-1")
	return []tea.Msg{
		hub.InstanceUpdate{Instance: inst(a1, hub.StateUp, "passing")},
		hub.InstanceUpdate{Instance: inst(a2, hub.StateUp, "passing")},
		hub.InstanceUpdate{Instance: inst(a3, hub.StateUp, "passing")},
		hub.InstanceUpdate{Instance: inst(g, hub.StateUp, "passing")},
		metrics(a1, 12, 0, 3*time.Millisecond),
		metrics(a2, 8, 0.5, 300*time.Millisecond),
		metrics(g, 20, 0, 5*time.Millisecond),
		hub.BreakerUpdate{Key: g, Breaker: wire.Breaker{Name: "b1", State: wire.StateOpen}},
		hub.BreakerUpdate{Key: g, Breaker: wire.Breaker{Name: "b2", State: wire.StateClosed}},
		ui.TickMsg{Now: t0.Add(10 * time.Second)},
	}
}

func TestUnhealthyFirst(t *testing.T) {
	v := newView()
	send(v, fleet()...)
	// zeta has an open breaker: its service comes before alpha; within
	// alpha the 50% errors come first, then alpha-3 which has no metrics
	// yet... and is healthy, so by id.
	if got, want := strings.Join(ids(v), " "), "zeta-1 alpha-2 alpha-1 alpha-3"; got != want {
		t.Errorf("order %q, want %q\n%s", got, want, v.View())
	}
	out := v.View()
	for _, want := range []string{"1 open/2", "50%", "300ms", "12/s", "2 services · 4 instances", "1 failing", "1 degraded"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	// The table is rebuilt on the tick, not on every message.
	send(v, hub.InstanceUpdate{Instance: inst(key("alpha", "alpha-3"), hub.StateDown, "critical")})
	if ids(v)[0] != "zeta-1" {
		t.Error("rebuilt before the tick")
	}
	send(v, ui.TickMsg{Now: t0.Add(11 * time.Second)})
	if got := ids(v); got[0] != "alpha-3" {
		t.Errorf("a down instance should be first after the tick: %v", got)
	}
	st := inst(key("alpha", "alpha-1"), hub.StateUp, "passing")
	st.Stale = true
	send(v, hub.InstanceUpdate{Instance: st}, hub.InstanceGone{Key: key("zeta", "zeta-1")}, ui.TickMsg{Now: t0.Add(12 * time.Second)})
	if out := v.View(); !strings.Contains(out, "up stale") || strings.Contains(out, "zeta-1") {
		t.Errorf("stale mark or gone instance wrong:\n%s", out)
	}
}

func TestSortKeyAndFilter(t *testing.T) {
	v := newView()
	send(v, fleet()...)
	send(v, tea.KeyPressMsg{Code: 's', Text: "s"}) // by rate, highest first
	if got := strings.Join(ids(v), " "); got != "zeta-1 alpha-1 alpha-2 alpha-3" {
		t.Errorf("by rate: %q", got)
	}
	if !strings.Contains(v.View(), "sorted by rate") {
		t.Error("summary does not name the sort")
	}
	send(v, ui.FilterMsg{Query: "!alpha"})
	if got := ids(v); len(got) != 1 || got[0] != "zeta-1" {
		t.Errorf("filter !alpha: %v", got)
	}
}

func TestDetailFollowsItsInstance(t *testing.T) {
	v := newView()
	send(v, fleet()...)
	g := key("zeta", "zeta-1")
	in := inst(g, hub.StateUp, "passing")
	in.Info = &wire.Info{Service: "zeta", Version: "v1.2", StartTime: t0, Endpoints: []wire.EndpointDoc{
		{Name: "GetBook", Transport: "grpc", GRPCMethod: "/books.v1.Books/GetBook"},
		{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books/{id}"},
	}}
	in.Err = "connection refused"
	send(v, hub.InstanceUpdate{Instance: in}, ui.TickMsg{Now: t0.Add(30 * time.Second)})
	cmd := send(v, tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter gave no command")
	}
	push, ok := cmd().(ui.PushMsg)
	if !ok {
		t.Fatalf("enter gave %T", cmd())
	}
	d := push.View
	d.SetSize(120, 40)
	if d.Title() != "zeta/zeta-1" {
		t.Errorf("title %q", d.Title())
	}
	out := d.View()
	for _, want := range []string{"zeta/zeta-1 · up", "version v1.2", "last error: connection refused",
		"Endpoints (3)", "/books.v1.Books/GetBook", "GET /books/{id}", "Hidden", "Breakers (2)", "b1", "Limiters (0)"} {
		if !strings.Contains(out, want) {
			t.Errorf("detail lacks %q:\n%s", want, out)
		}
	}
	send(d, hub.LimiterUpdate{Key: key("alpha", "alpha-1"), Limiter: wire.Limiter{Name: "not-mine"}},
		hub.LimiterUpdate{Key: g, Limiter: wire.Limiter{Name: "mine", Rate: 50, Burst: 10, Rejected: 3}},
		ui.TickMsg{Now: t0.Add(31 * time.Second)})
	out = d.View()
	if !strings.Contains(out, "mine") || strings.Contains(out, "not-mine") || !strings.Contains(out, "Limiters (1)") {
		t.Errorf("detail should follow its own instance only:\n%s", out)
	}
	send(d, hub.InstanceGone{Key: g})
	if !strings.Contains(d.View(), "gone from the registry") {
		t.Error("detail does not say its instance left")
	}
	// Scrolling stays in range.
	d.SetSize(120, 5)
	for range 50 {
		send(d, tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	if lines := strings.Split(d.View(), "\n"); len(lines) != 5 {
		t.Errorf("scrolled view has %d lines, want 5", len(lines))
	}
}

func TestSnapshotReplaces(t *testing.T) {
	v := newView()
	send(v, fleet()...)
	send(v, hub.Snapshot{Instances: []hub.InstanceState{{Instance: inst(key("solo", "solo-1"), hub.StateUp, "passing")}}})
	if got := ids(v); len(got) != 1 || got[0] != "solo-1" {
		t.Errorf("after snapshot: %v", got)
	}
}
