package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/lb"
)

// An ejection opens the instance's breaker and publishes the transition;
// when the ejection ends the breaker closes and that is published too.
func TestEjectionTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := introspect.NewRegistry(introspect.Info{Service: ServiceName})
		events, cancel := reg.Subscribe(16)
		defer cancel()
		x := newEjections("bookstore", lb.OutlierConfig{Consecutive: 3}, reg, slog.New(slog.DiscardHandler))
		defer x.close()

		start := time.Now()
		x.onEject(context.Background(), lb.Ejection{ID: "b1", Address: "127.0.0.1:1", Until: start.Add(30 * time.Second), Count: 1, Failures: 4})
		want := "outlier/bookstore/b1 closed→open"
		ev := <-events
		if got := transition(ev); got != want {
			t.Fatalf("event %q, want %q", got, want)
		}
		// The window is the run that ejected it: 4 calls, 4 failed, 4 in a row.
		run := introspect.BreakerCounts{Requests: 4, Failures: 4, ConsecutiveFailures: 4}
		if ev.Breaker.Counts != run {
			t.Fatalf("transition counts %+v, want %+v", ev.Breaker.Counts, run)
		}
		bs := reg.Breakers()
		if len(bs) != 1 || bs[0].State != introspect.StateOpen || !bs[0].LastTransition.Equal(start) ||
			bs[0].Settings.OpenTimeoutNS != int64(30*time.Second) || bs[0].Counts != run || bs[0].ErrorRatio != 1 {
			t.Fatalf("breakers %+v", bs)
		}

		time.Sleep(30 * time.Second)
		synctest.Wait()
		want = "outlier/bookstore/b1 open→closed"
		select {
		case ev := <-events:
			if got := transition(ev); got != want {
				t.Fatalf("event %q, want %q", got, want)
			}
		default:
			t.Fatal("no event when the ejection ended")
		}
		if bs := reg.Breakers(); bs[0].State != introspect.StateClosed || !bs[0].LastTransition.Equal(start.Add(30*time.Second)) {
			t.Fatalf("after the ejection: %+v", bs[0])
		}

		// Ejected again: the same breaker, and nothing is published after
		// close.
		x.onEject(context.Background(), lb.Ejection{ID: "b1", Until: time.Now().Add(60 * time.Second), Count: 2})
		<-events
		if n := len(reg.Breakers()); n != 1 {
			t.Fatalf("%d breakers, want 1", n)
		}
		x.close()
		time.Sleep(time.Minute)
		synctest.Wait()
		if len(events) != 0 {
			t.Fatalf("event after close: %+v", <-events)
		}
		if got := x.total.Load(); got != 2 {
			t.Fatalf("%d ejections counted, want 2", got)
		}
	})
}

// Per-instance breakers are capped; ejections beyond the cap are still
// counted and published.
func TestEjectionBreakersAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := introspect.NewRegistry(introspect.Info{Service: ServiceName})
		x := newEjections("bookstore", lb.OutlierConfig{}, reg, slog.New(slog.DiscardHandler))
		defer x.close()
		for i := range maxEjectionBreakers + 10 {
			x.onEject(context.Background(), lb.Ejection{ID: fmt.Sprint(i), Until: time.Now().Add(time.Second), Count: 1})
		}
		if n := len(reg.Breakers()); n != maxEjectionBreakers {
			t.Fatalf("%d breakers, want %d", n, maxEjectionBreakers)
		}
		c := newEjectionCollector(x)
		want := fmt.Sprintf("# HELP %s Outlier ejections of instances since start.\n# TYPE %s counter\n%s{service=\"bookstore\"} %d\n",
			MetricEjections, MetricEjections, MetricEjections, maxEjectionBreakers+10)
		if err := testutil.CollectAndCompare(c, strings.NewReader(want), MetricEjections); err != nil {
			t.Fatal(err)
		}
	})
}

func transition(ev introspect.Event) string {
	if ev.Type != introspect.EventBreaker {
		return ev.Type
	}
	return ev.Breaker.Name + " " + ev.Breaker.From + "→" + ev.Breaker.To
}
