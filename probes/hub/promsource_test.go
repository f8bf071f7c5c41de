package hub_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/probes/promql"
	"github.com/kitbench/kitbench/probes/scrape"
)

// fakeMetrics stands in for a Prometheus server that sees book-1 (its up
// is switchable) with one open breaker and one limiter. A fake, because
// this test is about what the hub does with a reading; probes/promql's
// TestPrometheusMatchesScrape runs the real server.
type fakeMetrics struct{ up atomic.Bool }

func (f *fakeMetrics) Fetch(context.Context) (hub.MetricsReading, error) { return f, nil }
func (f *fakeMetrics) String() string                                    { return "fake Prometheus" }
func (f *fakeMetrics) Close()                                            {}
func (f *fakeMetrics) Lookup(service, id, _ string) (*promql.Figures, bool) {
	if service != bookstore.ServiceName || id != "book-1" {
		return nil, false
	}
	return &promql.Figures{Known: true, Up: f.up.Load(),
		Stats: scrape.Stats{Kit: true, Interval: time.Minute,
			Instance: scrape.EndpointStats{Requests: 600, Rate: 10},
			Breakers: map[string]string{"GetBook": wire.StateOpen},
			Limiters: map[string]scrape.LimiterStats{"in": {Rejected: 6}}},
		Allowed: map[string]float64{"in": 500}, Rejected: map[string]float64{"in": 42}}, true
}

// partitioned is an HTTP client that cannot reach anything: the
// workbench on the wrong side of a network partition, which loopback
// cannot produce.
func partitioned() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("partitioned (test)")
	}}}
}

// TestPrometheusOnlyInstanceIsNotDown: a Book instance the hub cannot
// reach directly, but which the metrics source sees up, is up and
// IntroPrometheus, with the direct error kept, its figures, breakers and
// limiter totals from the source; when the source loses it too, it is
// down and the error says both.
func TestPrometheusOnlyInstanceIsNotDown(t *testing.T) {
	addr, _ := registry(t)
	book(t, "book-1", addr, nil)
	fm := &fakeMetrics{}
	fm.up.Store(true)
	h, err := hub.New(hub.Options{
		Discovery:      discovery.Options{Consul: addr},
		Introspect:     introspect.Options{HTTPClient: partitioned(), Timeout: 200 * time.Millisecond, Interval: 100 * time.Millisecond},
		ScrapeInterval: 50 * time.Millisecond,
		Metrics:        fm,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.WaitSettled(ctx); err != nil {
		t.Fatal(err)
	}
	book1 := func() hub.InstanceState {
		for _, in := range h.Snapshot().Instances {
			if in.InstanceID == "book-1" {
				return in
			}
		}
		return hub.InstanceState{}
	}
	testutil.WaitFor(t, "book-1 observed through Prometheus only", 15*time.Second, func() bool {
		in := book1()
		return in.State == hub.StateUp && in.Intro == hub.IntroPrometheus && len(in.Breakers) == 1 && len(in.Limiters) == 1
	})
	in := book1()
	if !strings.Contains(in.Err, "partitioned") {
		t.Errorf("the direct probe's error must stay visible: %q", in.Err)
	}
	if in.Metrics == nil || in.Metrics.Source != "fake Prometheus" || in.Metrics.Stats.Instance.Rate != 10 {
		t.Errorf("metrics = %+v", in.Metrics)
	}
	if b := in.Breakers[0]; b.Name != "GetBook" || b.State != wire.StateOpen {
		t.Errorf("breaker = %+v", b)
	}
	if l := in.Limiters[0]; l.Name != "in" || l.Allowed != 500 || l.Rejected != 42 {
		t.Errorf("limiter = %+v", l)
	}

	fm.up.Store(false)
	testutil.WaitFor(t, "book-1 down once Prometheus loses it too", 15*time.Second, func() bool {
		in := book1()
		return in.State == hub.StateDown && in.Intro != hub.IntroPrometheus
	})
	if in := book1(); !strings.Contains(in.Err, "partitioned") || !strings.Contains(in.Err, "fake Prometheus does not reach it either") {
		t.Errorf("error = %q, want the direct error and the source's", in.Err)
	}
}

// TestMetricsSourceLeavesNoGoroutine starts and closes hubs whose metrics
// source is a Prometheus URL nothing answers at: the read loop and the
// source's connections end with Close, and every instance's metrics carry
// the source's error meanwhile.
func TestMetricsSourceLeavesNoGoroutine(t *testing.T) {
	addr, _ := registry(t)
	book(t, "book-1", addr, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nowhere := "http://" + ln.Addr().String()
	ln.Close()
	runtime.GC()
	base := runtime.NumGoroutine()
	for i := range 10 {
		src, err := promql.New(promql.Options{URL: nowhere, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		h, err := hub.New(hub.Options{Discovery: discovery.Options{Consul: addr}, ScrapeInterval: 50 * time.Millisecond, Metrics: hub.PromQL(src)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			if err := h.WaitSettled(ctx); err != nil {
				t.Fatal(err)
			}
			cancel()
			testutil.WaitFor(t, "the source's error on book-1", 15*time.Second, func() bool {
				snap := h.Snapshot()
				return len(snap.Instances) == 1 && snap.Instances[0].Metrics != nil &&
					strings.Contains(snap.Instances[0].Metrics.Err, nowhere) && snap.Instances[0].Intro == hub.IntroStream
			})
		}
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, baseline %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
