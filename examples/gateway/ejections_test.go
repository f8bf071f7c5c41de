package gateway

import (
	"bytes"
	"context"
	"encoding/json"
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

// A failure-ratio ejection says so: its log line names the rule, the ratio
// and the volume, its transition carries the calls of the window, and its
// breaker's policy is "ratio", with the outlier's settings.
func TestRatioEjectionSaysWhy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := introspect.NewRegistry(introspect.Info{Service: ServiceName})
		events, cancel := reg.Subscribe(16)
		defer cancel()
		var logs bytes.Buffer
		x := newEjections("bookstore", lb.OutlierConfig{Consecutive: 25, FailureRatio: 0.25, Window: 15 * time.Second},
			reg, slog.New(slog.NewJSONHandler(&logs, nil)))
		defer x.close()

		x.onEject(context.Background(), lb.Ejection{ID: "b2", Address: "127.0.0.1:2", Until: time.Now().Add(30 * time.Second),
			Count: 1, Reason: lb.ReasonFailureRatio, Failures: 12, Requests: 40})
		window := introspect.BreakerCounts{Requests: 40, Successes: 28, Failures: 12}
		if ev := <-events; transition(ev) != "outlier/bookstore/b2 closed→open" || ev.Breaker.Counts != window {
			t.Fatalf("event %+v, want the ejection with the window's counts %+v", ev.Breaker, window)
		}
		var line struct {
			Reason       string  `json:"reason"`
			Failures     int     `json:"failures"`
			Requests     int     `json:"requests"`
			FailureRatio float64 `json:"failure_ratio"`
		}
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil || line.Reason != lb.ReasonFailureRatio ||
			line.Failures != 12 || line.Requests != 40 || line.FailureRatio != 0.3 {
			t.Fatalf("log %s (%v): want the reason, 12 of 40 failed, 0.3", logs.String(), err)
		}
		bs := reg.Breakers()
		want := introspect.BreakerSettings{Policy: "ratio", ConsecutiveFailures: 25, ErrorRatio: 0.25, MinRequests: 20,
			WindowNS: int64(15 * time.Second), OpenTimeoutNS: int64(30 * time.Second)}
		if len(bs) != 1 || bs[0].State != introspect.StateOpen || bs[0].Settings != want || bs[0].Counts != window || bs[0].ErrorRatio != 0.3 {
			t.Fatalf("breakers %+v, want open by ratio %+v", bs, want)
		}
		// Then a run: the same breaker says so.
		time.Sleep(30 * time.Second)
		x.onEject(context.Background(), lb.Ejection{ID: "b2", Address: "127.0.0.1:2", Until: time.Now().Add(60 * time.Second),
			Count: 2, Reason: lb.ReasonConsecutive, Failures: 25, Requests: 25})
		if bs := reg.Breakers(); bs[0].Settings.Policy != "consecutive" || bs[0].Counts.ConsecutiveFailures != 25 || bs[0].ErrorRatio != 1 {
			t.Fatalf("after a consecutive ejection: %+v", bs[0])
		}
	})
}

func transition(ev introspect.Event) string {
	if ev.Type != introspect.EventBreaker {
		return ev.Type
	}
	return ev.Breaker.Name + " " + ev.Breaker.From + "→" + ev.Breaker.To
}
