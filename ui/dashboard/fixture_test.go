package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/scrape"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/dashboard"
	"github.com/kitbench/kitbench/ui/styles"
)

var t0 = time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)

// fakeFleet stands in for the hub and counts every call.
type fakeFleet struct {
	mu    sync.Mutex
	snap  hub.Snapshot
	calls int
	focus []hub.Key // the last SetFocus
}

func (f *fakeFleet) SetFocus(keys []hub.Key) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.focus = keys
}

func (f *fakeFleet) focused() []hub.Key { f.mu.Lock(); defer f.mu.Unlock(); return f.focus }

func (f *fakeFleet) count() int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }
func (f *fakeFleet) Snapshot() hub.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.snap
}
func (f *fakeFleet) Traces(int) []*hub.Trace { f.mu.Lock(); f.calls++; f.mu.Unlock(); return nil }
func (f *fakeFleet) Pin(...string)           { f.mu.Lock(); f.calls++; f.mu.Unlock() }
func (f *fakeFleet) Trace(string) (*hub.Trace, bool) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	return nil, false
}

// chanStream is a subscription fed by a channel; closing it ends it.
type chanStream chan hub.Msg

func (s chanStream) Next(ctx context.Context) (hub.Msg, error) {
	select {
	case m, ok := <-s:
		if !ok {
			return nil, hub.ErrClosed
		}
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s chanStream) TryNext() (hub.Msg, bool) {
	select {
	case m, ok := <-s:
		return m, ok
	default:
		return nil, false
	}
}

// fixture is a dashboard driven by hand: messages go straight to Update,
// commands are not run unless a test runs them.
type fixture struct {
	t     testing.TB
	m     *dashboard.Model
	fleet *fakeFleet
}

func newFixture(t testing.TB, prof colorprofile.Profile, w, h int) *fixture {
	t.Helper()
	ff := &fakeFleet{}
	f := newFixtureFleet(t, prof, w, h, ff)
	f.fleet = ff
	return f
}

// newFixtureFleet is newFixture on a fleet of the test's choice.
func newFixtureFleet(t testing.TB, prof colorprofile.Profile, w, h int, fleet dashboard.Fleet) *fixture {
	t.Helper()
	st := styles.New(prof)
	f := &fixture{t: t}
	m, err := dashboard.New(dashboard.Options{Styles: &st}, fleet, make(chanStream))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	f.m = m
	f.send(tea.WindowSizeMsg{Width: w, Height: h})
	return f
}

func (f *fixture) send(msgs ...tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, msg := range msgs {
		_, cmd := f.m.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// keys presses each key of a space-separated list and returns the last
// command.
func (f *fixture) keys(list string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range strings.Fields(list) {
		cmd = f.send(press(k))
	}
	return cmd
}

func (f *fixture) screen() string { return f.m.Root().Render() }

func press(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"down": {Code: tea.KeyDown}, "up": {Code: tea.KeyUp}, "enter": {Code: tea.KeyEnter},
		"esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab}, "space": {Code: tea.KeySpace, Text: " "},
	}
	if k, ok := named[s]; ok {
		return k
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// Keys of the demo-like fleet.
var (
	gw  = hub.Key{Service: "gateway", InstanceID: "gateway-1"}
	bk1 = hub.Key{Service: "bookstore", InstanceID: "bookstore-1"}
	bk2 = hub.Key{Service: "bookstore", InstanceID: "bookstore-2"}
	bk3 = hub.Key{Service: "bookstore", InstanceID: "bookstore-3"}
)

func instance(k hub.Key, port int) hub.Instance {
	return hub.Instance{Key: k, Address: fmt.Sprintf("127.0.0.1:%d", port), Health: "passing", State: hub.StateUp,
		Since: t0, Intro: hub.IntroStream, Admin: fmt.Sprintf("http://127.0.0.1:%d", port+2),
		Info: &wire.Info{Service: k.Service, InstanceID: k.InstanceID, Version: "v0.1.0", StartTime: t0,
			Transports: []wire.Transport{{Name: "http", Addr: fmt.Sprintf("127.0.0.1:%d", port)}, {Name: "grpc", Addr: fmt.Sprintf("127.0.0.1:%d", port+1)}},
			Endpoints: []wire.EndpointDoc{
				{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books/{id}"},
				{Name: "GetBook", Transport: "grpc", GRPCMethod: "/bookstore.v1.Bookstore/GetBook"},
				{Name: "ListBooks", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books"},
			}}}
}

func metricsOf(k hub.Key, rate, errRatio float64, p99 time.Duration) hub.MetricsUpdate {
	ep := func(name, tr string, share float64) scrape.EndpointStats {
		return scrape.EndpointStats{Endpoint: name, Transport: tr, Rate: rate * share, ErrorRatio: errRatio, FailureRatio: errRatio,
			P50: p99 / 5, P90: p99 / 2, P99: p99, Mean: p99 / 6, Floor: 500 * time.Microsecond}
	}
	return hub.MetricsUpdate{Key: k, Time: t0, Stats: scrape.Stats{Kit: true, Interval: 2 * time.Second,
		Instance: scrape.EndpointStats{Rate: rate, ErrorRatio: errRatio, FailureRatio: errRatio, P50: p99 / 5, P90: p99 / 2, P99: p99,
			Mean: p99 / 6, Floor: 500 * time.Microsecond},
		Endpoints: []scrape.EndpointStats{ep("GetBook", "grpc", 0.2), ep("GetBook", "http", 0.6), ep("ListBooks", "http", 0.2)}}}
}

// ejected makes b an open ejection breaker as examples/gateway reports
// one: ejected for 2 minutes, its window the run that ejected it.
func ejected(b wire.Breaker) wire.Breaker {
	b.Settings.OpenTimeoutNS = int64(2 * time.Minute)
	b.Counts.ConsecutiveFailures = b.Counts.Failures
	return b
}

func breaker(name, state string, req, fail, rej uint64, since time.Duration) wire.Breaker {
	b := wire.Breaker{Name: name, State: state, LastTransition: t0.Add(since),
		Counts:   wire.BreakerCounts{Requests: req, Failures: fail, Rejected: rej, Successes: req - fail},
		Settings: wire.BreakerSettings{Policy: "consecutive", ConsecutiveFailures: 5, OpenTimeoutNS: int64(5 * time.Second), HalfOpenMaxCalls: 1}}
	if req > 0 {
		b.ErrorRatio = float64(fail) / float64(req)
	}
	return b
}

const outlier3 = "outlier/bookstore/bookstore-3"

// trace ids of the failures that tripped outlier3.
var tripTraces = []string{"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7a3ce929d0e0e4736", "b7ad6b7169203331a3ce929d0e0e4736"}

// demoFleet is the state of a demo fleet 20 s after the misbehaving
// instance started failing: the gateway's ejection breaker for it is
// open, its own breaker half-open, the limiter rejecting a burst.
func demoFleet() []tea.Msg {
	msgs := []tea.Msg{
		hub.SourceStatus{Source: "registry at 127.0.0.1:8500", Addr: "127.0.0.1:8500", Ready: true, Services: 2, Instances: 4},
		hub.InstanceUpdate{Instance: instance(bk1, 41001)},
		hub.InstanceUpdate{Instance: instance(bk2, 41011)},
		hub.InstanceUpdate{Instance: instance(bk3, 41021)},
		hub.InstanceUpdate{Instance: instance(gw, 41031)},
		metricsOf(bk1, 9.5, 0, 4*time.Millisecond),
		metricsOf(bk2, 10.2, 0, 5*time.Millisecond),
		metricsOf(bk3, 3.1, 0.62, 310*time.Millisecond),
		metricsOf(gw, 21.4, 0.013, 12*time.Millisecond),
		hub.LimiterUpdate{Key: gw, Limiter: wire.Limiter{Name: "gateway", Mode: "error", Rate: 40, Burst: 20, Tokens: 3.5, Allowed: 2210, Rejected: 0}},
	}
	var failures []wire.BreakerFailure
	for i, id := range tripTraces {
		failures = append(failures, wire.BreakerFailure{Time: t0.Add(time.Duration(i) * 300 * time.Millisecond),
			Error: "503: fault: injected error 503 on GetBook", TraceID: id})
	}
	failures = append(failures, wire.BreakerFailure{Time: t0.Add(time.Second), Error: "context deadline exceeded"})
	trip := wire.BreakerTransition{Name: outlier3, From: wire.StateClosed, To: wire.StateOpen, Time: t0.Add(1200 * time.Millisecond),
		Counts: wire.BreakerCounts{Requests: 5, Failures: 5, ConsecutiveFailures: 5}, Failures: failures}
	for i := range 20 {
		n := uint64(i + 1)
		msgs = append(msgs,
			hub.BreakerUpdate{Key: gw, Breaker: breaker("bookstore.GetBook", wire.StateClosed, 40*n+n*n, n/4, 0, -time.Minute)},
			hub.BreakerUpdate{Key: gw, Breaker: breaker("bookstore.ListBooks", wire.StateClosed, 10*n, 0, 0, -time.Minute)},
			hub.BreakerUpdate{Key: gw, Breaker: breaker("outlier/bookstore/bookstore-1", wire.StateClosed, 15*n, 0, 0, -time.Minute)},
			hub.BreakerUpdate{Key: gw, Breaker: breaker("outlier/bookstore/bookstore-2", wire.StateClosed, 16*n, 0, 0, -time.Minute)},
			hub.BreakerUpdate{Key: bk3, Breaker: breaker("store", wire.StateHalfOpen, 5*n, 3*n, n, 15*time.Second)},
			hub.LimiterUpdate{Key: gw, Limiter: wire.Limiter{Name: "gateway", Mode: "error", Rate: 40, Burst: 20, Tokens: 3.5, Allowed: 2210 + 20*n, Rejected: uint64(max(0, i-12)) * 7}},
		)
		if i < 2 {
			msgs = append(msgs, hub.BreakerUpdate{Key: gw, Breaker: breaker(outlier3, wire.StateClosed, 7*n, 3*n, 0, -time.Minute)})
		}
		if i == 2 {
			msgs = append(msgs, hub.BreakerUpdate{Key: gw, Breaker: ejected(breaker(outlier3, wire.StateOpen, 5, 5, 0, 1200*time.Millisecond)), Transition: &trip})
		}
		if i > 2 {
			msgs = append(msgs, hub.BreakerUpdate{Key: gw, Breaker: ejected(breaker(outlier3, wire.StateOpen, 5, 5, 3*n, 1200*time.Millisecond))})
		}
		msgs = append(msgs, ui.TickMsg{Now: t0.Add(time.Duration(i) * time.Second)})
	}
	return msgs
}
