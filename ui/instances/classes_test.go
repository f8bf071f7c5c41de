package instances_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	wire "github.com/kitbench/kitbench/kit/introspect"
	kitmetrics "github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/scrape"
	"github.com/kitbench/kitbench/ui"
)

// measured serves a real kit/metrics page over loopback after calls that
// end with errs, scrapes it before and after, and returns what the hub
// would send: the classification the views use is the one kit's metrics
// labels and probes/scrape make, end to end.
func measured(t *testing.T, k hub.Key, errs []error) hub.MetricsUpdate {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := kitmetrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	now := t0
	s := scrape.New(scrape.WithClock(func() time.Time { return now }))
	defer s.Close()
	before, err := s.Scrape(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		ep := m.Middleware("GetBook", "grpc")(func(context.Context, any) (any, error) { return nil, e })
		_, _ = ep(context.Background(), nil)
	}
	now = now.Add(2 * time.Second)
	after, err := s.Scrape(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return hub.MetricsUpdate{Key: k, Time: now, Stats: scrape.Derive(before, after)}
}

func repeat(n int, err error) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

// 404s and the gRPC codes that map to 4xx are the callers' doing: the
// instance shows 0% errors and stays healthy, with its client-error
// share apart; 5xx and gRPC Internal are failures and degrade it.
func TestClientErrorsAreNotFailures(t *testing.T) {
	v := newView()
	good, bad := key("book", "book-1"), key("book", "book-2")
	var refused []error
	refused = append(refused, repeat(4, nil)...)
	refused = append(refused, repeat(2, status.Error(codes.NotFound, "no such book"))...)
	refused = append(refused, transport.NewError(404, "no such book"), status.Error(codes.InvalidArgument, "bad id"),
		status.Error(codes.ResourceExhausted, "slow down"), transport.NewError(499, "caller left"))
	var failing []error
	failing = append(failing, repeat(8, nil)...)
	failing = append(failing, status.Error(codes.Internal, "boom"), transport.NewError(503, "down"))
	send(v, hub.InstanceUpdate{Instance: inst(good, hub.StateUp, "passing")},
		hub.InstanceUpdate{Instance: inst(bad, hub.StateUp, "passing")},
		measured(t, good, refused), measured(t, bad, failing), ui.TickMsg{Now: t0.Add(time.Second)})
	out := v.View()
	rows := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		for _, id := range []string{"book-1", "book-2"} {
			if strings.Contains(l, id) {
				rows[id] = l
			}
		}
	}
	// book-1: 5 of 10 refused (404, NotFound, InvalidArgument,
	// ResourceExhausted), one cancelled: 0% errors, 50% client errors.
	if f := strings.Fields(strings.TrimPrefix(rows["book-1"], ">")); len(f) < 8 || f[5] != "0%" || f[6] != "50%" {
		t.Errorf("book-1 should show 0%% errors and 50%% 4xx: %q", rows["book-1"])
	}
	if f := strings.Fields(strings.TrimPrefix(rows["book-2"], ">")); len(f) < 8 || f[5] != "20%" || f[6] != "0%" {
		t.Errorf("book-2 should show 20%% errors: %q", rows["book-2"])
	}
	if got := strings.Join(ids(v), " "); got != "book-2 book-1" || !strings.Contains(out, "1 degraded") || strings.Contains(out, "2 degraded") {
		t.Errorf("only book-2 is degraded and first; order %q:\n%s", got, out)
	}
}

// Rows keep their places while figures jitter, move on a real change, and
// re-sort on the sort key; recovery moves a row down only once it holds.
func TestOrderHysteresis(t *testing.T) {
	v := newView()
	a, b := key("alpha", "alpha-1"), key("alpha", "alpha-2")
	send(v, hub.InstanceUpdate{Instance: inst(a, hub.StateUp, "passing")}, hub.InstanceUpdate{Instance: inst(b, hub.StateUp, "passing")},
		metrics(a, 12, 0, time.Millisecond), metrics(b, 10, 0, time.Millisecond), ui.TickMsg{Now: t0})
	send(v, tea.KeyPressMsg{Code: 's', Text: "s"}) // by rate
	send(v, tea.KeyPressMsg{Code: 'j', Text: "j"}) // select alpha-2
	order := func() string { return strings.Join(ids(v), " ") }
	if got := order(); got != "alpha-1 alpha-2" {
		t.Fatalf("by rate: %q", got)
	}
	for i, r := range [][2]float64{{11, 12}, {10.5, 11.5}, {12, 10}} {
		send(v, metrics(a, r[0], 0, time.Millisecond), metrics(b, r[1], 0, time.Millisecond), ui.TickMsg{Now: t0.Add(time.Duration(i+1) * time.Second)})
		if got := order(); got != "alpha-1 alpha-2" {
			t.Fatalf("jitter %v reordered: %q", r, got)
		}
	}
	send(v, metrics(b, 40, 0, time.Millisecond), ui.TickMsg{Now: t0.Add(5 * time.Second)})
	if got := order(); got != "alpha-2 alpha-1" {
		t.Fatalf("alpha-2 quadrupled its rate: %q", got)
	}
	if !strings.Contains(selected(v), "alpha-2") {
		t.Fatalf("the cursor left alpha-2 when it moved:\n%s", v.View())
	}
	send(v, metrics(a, 35, 0, time.Millisecond), ui.TickMsg{Now: t0.Add(6 * time.Second)})
	send(v, metrics(a, 42, 0, time.Millisecond), metrics(b, 39, 0, time.Millisecond), ui.TickMsg{Now: t0.Add(7 * time.Second)})
	if got := order(); got != "alpha-2 alpha-1" {
		t.Fatalf("42 against 39, held as 35 and 40, moved the rows: %q", got)
	}
	send(v, tea.KeyPressMsg{Code: 's', Text: "s"}, tea.KeyPressMsg{Code: 's', Text: "s"}, tea.KeyPressMsg{Code: 's', Text: "s"},
		tea.KeyPressMsg{Code: 's', Text: "s"}, tea.KeyPressMsg{Code: 's', Text: "s"}) // around to rate again
	if got := order(); got != "alpha-1 alpha-2" || !strings.Contains(v.View(), "sorted by rate") {
		t.Fatalf("the sort key sorts by the figures of now (42 over 39): %q\n%s", got, v.View())
	}

	// Health order: a failing alpha-2 rises at once and sinks back only
	// after instances.Settle of health.
	send(v, tea.KeyPressMsg{Code: 's', Text: "s"}, tea.KeyPressMsg{Code: 's', Text: "s"}, tea.KeyPressMsg{Code: 's', Text: "s"},
		tea.KeyPressMsg{Code: 's', Text: "s"}) // back to health
	base := t0.Add(time.Minute)
	send(v, metrics(b, 10, 0.5, time.Millisecond), ui.TickMsg{Now: base})
	if got := order(); got != "alpha-2 alpha-1" || !strings.Contains(v.View(), "sorted by health") {
		t.Fatalf("a failing instance should rise at once: %q\n%s", got, v.View())
	}
	send(v, metrics(b, 10, 0, time.Millisecond), ui.TickMsg{Now: base.Add(time.Second)})
	send(v, ui.TickMsg{Now: base.Add(9 * time.Second)})
	if got := order(); got != "alpha-2 alpha-1" {
		t.Fatalf("recovered 8 s ago, moved already: %q", got)
	}
	send(v, ui.TickMsg{Now: base.Add(12 * time.Second)})
	if got := order(); got != "alpha-1 alpha-2" {
		t.Fatalf("recovered for more than Settle, still on top: %q", got)
	}
}

// selected returns the line under the cursor.
func selected(v ui.View) string {
	for _, l := range strings.Split(v.View(), "\n") {
		if strings.HasPrefix(l, ">") {
			return l
		}
	}
	return ""
}

// An instance ejected by a balancer says so, by whom and for how long,
// sorts with the failing, and says it in its detail too.
func TestEjectedInstance(t *testing.T) {
	v := newView()
	a1, a2, g := key("alpha", "alpha-1"), key("alpha", "alpha-2"), key("gateway", "gateway-1")
	ej := wire.Breaker{Name: "outlier/alpha/alpha-2", State: wire.StateOpen, LastTransition: t0,
		Settings: wire.BreakerSettings{OpenTimeoutNS: int64(100 * time.Second)},
		Counts:   wire.BreakerCounts{Requests: 5, Failures: 5, ConsecutiveFailures: 5}}
	send(v, hub.InstanceUpdate{Instance: inst(a1, hub.StateUp, "passing")}, hub.InstanceUpdate{Instance: inst(a2, hub.StateUp, "passing")},
		hub.InstanceUpdate{Instance: inst(g, hub.StateUp, "passing")},
		metrics(g, 30, 0, time.Millisecond), metrics(a1, 15, 0, time.Millisecond),
		hub.BreakerUpdate{Key: g, Breaker: ej}, ui.TickMsg{Now: t0})
	if got := strings.Join(ids(v), " "); got != "alpha-2 alpha-1 gateway-1" {
		t.Errorf("the ejected instance's service and the instance should come first: %q", got)
	}
	out := v.View()
	if !strings.Contains(out, "ejected by gateway-1 · 1m40s left") || !strings.Contains(out, "1 ejected") {
		t.Errorf("no ejection on the row:\n%s", out)
	}
	send(v, ui.TickMsg{Now: t0.Add(30 * time.Second)})
	if !strings.Contains(v.View(), "1m10s left") {
		t.Errorf("the countdown did not move:\n%s", v.View())
	}
	d := send(v, tea.KeyPressMsg{Code: tea.KeyEnter})().(ui.PushMsg).View
	d.SetSize(120, 30)
	if !strings.Contains(d.View(), "ejected by gateway-1 · 1m10s left") {
		t.Errorf("the detail lacks the ejection:\n%s", d.View())
	}
	closed := ej
	closed.State = wire.StateClosed
	send(d, hub.BreakerUpdate{Key: g, Breaker: closed}, ui.TickMsg{Now: t0.Add(31 * time.Second)})
	send(v, hub.BreakerUpdate{Key: g, Breaker: closed}, ui.TickMsg{Now: t0.Add(31 * time.Second)})
	if strings.Contains(d.View(), "ejected") || strings.Contains(v.View(), "ejected") {
		t.Errorf("still ejected after the breaker closed:\n%s\n%s", v.View(), d.View())
	}
}
