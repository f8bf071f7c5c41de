package dashboard_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
)

// bigFleet is a snapshot of n instances over n/10 services, with the
// given number of breakers spread over them, and spans of traces of 5
// spans each, as the hub would hold them.
func bigFleet(n, breakers, spans int) (hub.Snapshot, []hub.Span) {
	snap := hub.Snapshot{Source: hub.SourceStatus{Source: "registry at 127.0.0.1:8500", Ready: true, Instances: n}}
	states := []string{wire.StateClosed, wire.StateClosed, wire.StateClosed, wire.StateHalfOpen, wire.StateOpen}
	for i := range n {
		k := hub.Key{Service: fmt.Sprintf("svc-%03d", i/10), InstanceID: fmt.Sprintf("svc-%03d-%d", i/10, i%10)}
		st := hub.InstanceState{Instance: instance(k, 20000+i)}
		m := metricsOf(k, float64(i%50), float64(i%7)/20, time.Duration(i%90)*time.Millisecond)
		st.Metrics = &m
		snap.Instances = append(snap.Instances, st)
	}
	for b := range breakers {
		in := &snap.Instances[(b*7)%n]
		in.Breakers = append(in.Breakers, breaker(fmt.Sprintf("downstream-%03d", b), states[b%len(states)], uint64(b*3), uint64(b%11), uint64(b%4), -time.Duration(b)*time.Second))
	}
	out := make([]hub.Span, 0, spans)
	for i := range spans {
		tr, idx := i/5, i%5
		s := hub.Span{Instance: snap.Instances[i%n].Key, Span: wire.Span{
			TraceID: fmt.Sprintf("%032x", tr), SpanID: fmt.Sprintf("%016x", i), Name: fmt.Sprintf("op-%d", idx),
			Service: snap.Instances[i%n].Service, Start: t0.Add(time.Duration(tr)*time.Millisecond + time.Duration(idx)*time.Microsecond),
			DurationNS: int64(time.Millisecond) / int64(idx+1), Status: "ok"}}
		if idx > 0 {
			s.ParentSpanID = fmt.Sprintf("%016x", i-idx)
		}
		out = append(out, s)
	}
	return snap, out
}

// spanFleet serves the traces joined from its spans, as the hub does.
type spanFleet struct {
	fakeFleet
	traces []*hub.Trace
}

func (f *spanFleet) Traces(limit int) []*hub.Trace {
	if limit > 0 && len(f.traces) > limit {
		return f.traces[:limit]
	}
	return f.traces
}

// runQuick runs cmd and the commands it batches, giving their messages to
// the fixture, but drops any that do not answer at once (timers).
func runQuick(f *fixture, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				runQuick(f, c)
			}
		case nil:
		default:
			runQuick(f, f.send(msg))
		}
	case <-time.After(50 * time.Millisecond):
	}
}

// loaded builds a dashboard holding the big fleet, its breakers' history
// and the traces of its spans.
func loaded(b *testing.B, prof colorprofile.Profile, n, breakers, spans int) *fixture {
	snap, sp := bigFleet(n, breakers, spans)
	f := newFixtureFleet(b, prof, 160, 48, &spanFleet{traces: hub.Join(sp)})
	f.send(snap)
	for i := range 30 {
		f.send(ui.TickMsg{Now: t0.Add(time.Duration(i) * time.Second)})
	}
	if len(sp) > 0 { // the traces view refreshes from the fleet
		runQuick(f, f.send(hub.SpanBatch{Key: snap.Instances[0].Key, Spans: []wire.Span{sp[0].Span}}))
	}
	return f
}

func BenchmarkView(b *testing.B) {
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.TrueColor} {
		f := loaded(b, prof, 1000, 300, 10_000)
		for _, tab := range []struct{ name, keys string }{
			{"instances", "1"}, {"breakers", "2"}, {"trip", "2 enter"}, {"limits", "3"}, {"traces", "4"},
		} {
			if cmd := f.keys(tab.keys); cmd != nil {
				if msg := cmd(); msg != nil {
					f.send(msg)
				}
			}
			if tab.name == "traces" && !strings.Contains(f.screen(), "op-0") {
				b.Fatalf("the traces view holds no traces:\n%s", f.screen())
			}
			b.Run(fmt.Sprintf("instances=1000/breakers=300/spans=10000/tab=%s/profile=%s", tab.name, prof), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_ = f.m.View()
				}
			})
			f.keys("esc")
		}
	}
}

// BenchmarkKeypress moves the cursor down and up a list of 50 and of
// 5 000 rows: the cost must not grow with the rows.
func BenchmarkKeypress(b *testing.B) {
	for _, tab := range []struct{ name, key string }{{"instances", "1"}, {"breakers", "2"}} {
		for _, n := range []int{50, 5000} {
			b.Run(fmt.Sprintf("tab=%s/rows=%d", tab.name, n), func(b *testing.B) {
				f := loaded(b, colorprofile.TrueColor, n, n, 0)
				f.keys(tab.key)
				down, up := press("j"), press("k")
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if i%100 < 50 {
						f.send(down)
					} else {
						f.send(up)
					}
					i++
				}
			})
		}
	}
}
