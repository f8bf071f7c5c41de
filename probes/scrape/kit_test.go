package scrape

import (
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// driveKit fills k with the "before" state, scrapes, adds the window's
// calls, advances the clock by 10 s and scrapes again.
func driveKit(t *testing.T, k *kitMetrics, url string) (prev, cur *Snapshot) {
	t.Helper()
	clock := newFakeClock()
	s := clock.scraper()
	defer s.Close()
	ctx := context.Background()

	// Before the window: calls that must not count, in buckets the window
	// does not use, so a missing subtraction would show in the quantiles.
	k.calls("GetBook", "http", "ok", 8, 2.0)
	k.calls("GetBook", "http", "404", 2, 2.0)
	k.calls("ListBooks", "grpc", "ok", 3, 0.005)
	k.breaker.WithLabelValues("payments").Set(0)
	k.allowed.WithLabelValues("api").Add(100)
	k.rejected.WithLabelValues("api").Add(5)
	prev, err := s.Scrape(ctx, url)
	if err != nil {
		t.Fatal(err)
	}

	// The window, 10 s: GetBook 30 ok + 10 × 500 (a new series) with
	// latencies 10×5ms, 20×30ms, 8×80ms, 2×300ms; ListBooks 5 ok × 700ms.
	k.calls("GetBook", "http", "ok", 10, 0.005)
	k.calls("GetBook", "http", "ok", 20, 0.03)
	k.calls("GetBook", "http", "500", 8, 0.08)
	k.calls("GetBook", "http", "500", 2, 0.3)
	k.calls("ListBooks", "grpc", "ok", 5, 0.7)
	k.breaker.WithLabelValues("payments").Set(2)
	k.breaker.WithLabelValues("search").Set(1)
	k.breaker.WithLabelValues("inventory").Set(0)
	k.breaker.WithLabelValues("odd").Set(7)
	k.allowed.WithLabelValues("api").Add(60)
	k.rejected.WithLabelValues("api").Add(20)
	k.rejected.WithLabelValues("batch").Add(3) // a limiter that only rejected
	clock.Advance(10 * time.Second)
	cur, err = s.Scrape(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	return prev, cur
}

func ms(f float64) time.Duration { return time.Duration(math.Round(f * float64(time.Millisecond))) }

// wantWindow are the figures of driveKit's window, computed by hand:
//
//	GetBook/http: 40 calls, 10 failed → 4/s, 0.25. Bucket deltas
//	(cumulative) 0.01:10 0.05:30 0.1:38 0.5:40 1:40 +Inf:40.
//	  p50: rank 20 in (0.01,0.05]: 0.01 + 0.04×(20−10)/20 = 30 ms
//	  p90: rank 36 in (0.05,0.1]: 0.05 + 0.05×(36−30)/8 = 87.5 ms
//	  p99: rank 39.6 in (0.1,0.5]: 0.1 + 0.4×(39.6−38)/2 = 420 ms
//	ListBooks/grpc: 5 calls in (0.5,1] → 0.5/s;
//	  p50 0.5+0.5×2.5/5 = 750 ms, p90 950 ms, p99 995 ms.
//	Instance: 45 calls, 10 failed → 4.5/s, 2/9. Merged buckets
//	0.01:10 0.05:30 0.1:38 0.5:40 1:45 +Inf:45.
//	  p50: rank 22.5: 0.01 + 0.04×12.5/20 = 35 ms
//	  p90: rank 40.5: 0.5 + 0.5×0.5/5 = 550 ms
//	  p99: rank 44.55: 0.5 + 0.5×4.55/5 = 955 ms
var wantWindow = Stats{
	Kit:      true,
	Interval: 10 * time.Second,
	Endpoints: []EndpointStats{
		{Endpoint: "GetBook", Transport: "http", Requests: 40, Errors: 10, Rate: 4, ErrorRatio: 0.25,
			P50: ms(30), P90: ms(87.5), P99: ms(420)},
		{Endpoint: "ListBooks", Transport: "grpc", Requests: 5, Rate: 0.5,
			P50: ms(750), P90: ms(950), P99: ms(995)},
	},
	Instance: EndpointStats{Requests: 45, Errors: 10, Rate: 4.5, ErrorRatio: 10.0 / 45,
		P50: ms(35), P90: ms(550), P99: ms(955)},
	Breakers: map[string]string{"payments": "open", "search": "half-open", "inventory": "closed", "odd": "unknown"},
	Limiters: map[string]LimiterStats{
		"api":   {Allowed: 60, Rejected: 20, AllowedRate: 6, RejectedRate: 2},
		"batch": {Rejected: 3, RejectedRate: 0.3},
	},
}

func TestDeriveKitWindow(t *testing.T) {
	k := newKitMetrics(t)
	prev, cur := driveKit(t, k, serveRegistry(t, k.reg))
	checkStats(t, Derive(prev, cur), wantWindow)
	checkStats(t, Derive(prev.Compact(), cur), wantWindow)
}

// TestDeriveFormats serves the same registry in each exposition format
// a client may answer with, and expects the same figures.
func TestDeriveFormats(t *testing.T) {
	for _, tc := range []struct {
		name   string
		accept string
		want   expfmt.FormatType
	}{
		{"protobuf", "", expfmt.TypeProtoDelim}, // the Scraper's own Accept
		{"text", "text/plain;version=0.0.4", expfmt.TypeTextPlain},
		{"openmetrics", "application/openmetrics-text;version=1.0.0", expfmt.TypeOpenMetrics},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKitMetrics(t)
			h := promhttp.HandlerFor(k.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
			url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.accept != "" {
					r.Header.Set("Accept", tc.accept)
				}
				h.ServeHTTP(w, r)
			}))
			prev, cur := driveKit(t, k, url)
			if got := cur.Format.FormatType(); got != tc.want {
				t.Fatalf("format %q, want type %v", cur.Format, tc.want)
			}
			checkStats(t, Derive(prev, cur), wantWindow)
		})
	}
}

// TestDeriveCounterReset restarts the "process" behind the URL between
// scrapes: every counter starts again from zero, and the later values are
// the whole window, as with Prometheus's rate().
func TestDeriveCounterReset(t *testing.T) {
	before, after := newKitMetrics(t), newKitMetrics(t)
	before.calls("GetBook", "http", "ok", 100, 0.03)
	before.calls("GetBook", "http", "500", 50, 0.03)
	before.rejected.WithLabelValues("api").Add(50)
	after.calls("GetBook", "http", "ok", 7, 0.005) // fewer than before: a reset
	after.calls("GetBook", "http", "500", 3, 0.08)
	after.rejected.WithLabelValues("api").Add(4)

	var sw switchHandler
	sw.set(promhttp.HandlerFor(before.reg, promhttp.HandlerOpts{}))
	url := serve(t, &sw)
	clock := newFakeClock()
	s := clock.scraper()
	defer s.Close()
	prev, err := s.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	sw.set(promhttp.HandlerFor(after.reg, promhttp.HandlerOpts{}))
	clock.Advance(5 * time.Second)
	cur, err := s.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	// 10 calls, 3 failed, over 5 s. Buckets 0.01:7 0.05:7 0.1:10: p50 at
	// rank 5 in (0,0.01]: 0.01×5/7; p90 rank 9 in (0.05,0.1]:
	// 0.05+0.05×2/3; p99 rank 9.9: 0.05+0.05×2.9/3.
	ep := EndpointStats{Endpoint: "GetBook", Transport: "http", Requests: 10, Errors: 3, Rate: 2, ErrorRatio: 0.3,
		P50: ms(10.0 * 5 / 7), P90: ms(50 + 50*2.0/3), P99: ms(50 + 50*2.9/3)}
	inst := ep
	inst.Endpoint, inst.Transport = "", ""
	checkStats(t, Derive(prev, cur), Stats{
		Kit: true, Interval: 5 * time.Second,
		Endpoints: []EndpointStats{ep}, Instance: inst,
		Breakers: map[string]string{},
		Limiters: map[string]LimiterStats{"api": {Rejected: 4, RejectedRate: 0.8}},
	})
}

// TestDeriveWithoutWindow: no earlier snapshot, or one that cannot start
// a window, gives the totals of the process's life and no rates.
func TestDeriveWithoutWindow(t *testing.T) {
	k := newKitMetrics(t)
	prev, cur := driveKit(t, k, serveRegistry(t, k.reg))
	other := *prev
	other.URL = "http://elsewhere/metrics"
	for name, p := range map[string]*Snapshot{"nil": nil, "other URL": &other, "later": cur, "self": cur} {
		t.Run(name, func(t *testing.T) {
			a, b := p, cur
			if name == "later" {
				a, b = cur, prev
			}
			st := Derive(a, b)
			if st.Interval != 0 || st.Instance.Rate != 0 {
				t.Fatalf("interval %v rate %v, want none", st.Interval, st.Instance.Rate)
			}
			want := 10.0 + 3 // prev's lifetime calls
			if b == cur {
				want = 58
			}
			if st.Instance.Requests != want {
				t.Fatalf("lifetime requests %v, want %v", st.Instance.Requests, want)
			}
		})
	}
	if st := Derive(nil, nil); st.Kit || st.Endpoints != nil {
		t.Fatalf("Derive(nil, nil) = %+v, want zero", st)
	}
}

// TestDeriveRealKitMetrics reads the exposition of kit/metrics itself, so
// a renamed metric or label breaks this test, not the dashboard.
func TestDeriveRealKitMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := newRealKitMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	url := serveRegistry(t, reg)
	clock := newFakeClock()
	s := clock.scraper()
	defer s.Close()
	prev, err := s.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	m.ok(6)
	m.fail(2)
	clock.Advance(2 * time.Second)
	cur, err := s.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	st := Derive(prev, cur)
	if len(st.Endpoints) != 1 {
		t.Fatalf("endpoints %+v, want one", st.Endpoints)
	}
	e := st.Endpoints[0]
	if e.Endpoint != "GetBook" || e.Transport != "http" || e.Requests != 8 || e.Errors != 2 || e.Rate != 4 || e.ErrorRatio != 0.25 {
		t.Fatalf("got %+v, want GetBook/http 8 calls, 2 errors, 4/s", e)
	}
	if e.P99 <= 0 {
		t.Fatalf("p99 %v, want a positive latency", e.P99)
	}
}

func checkStats(t *testing.T, got, want Stats) {
	t.Helper()
	if got.Kit != want.Kit || got.Interval != want.Interval {
		t.Errorf("kit %v interval %v, want %v %v", got.Kit, got.Interval, want.Kit, want.Interval)
	}
	if len(got.Endpoints) != len(want.Endpoints) {
		t.Fatalf("endpoints:\n got %+v\nwant %+v", got.Endpoints, want.Endpoints)
	}
	for i := range want.Endpoints {
		checkEndpoint(t, got.Endpoints[i], want.Endpoints[i])
	}
	checkEndpoint(t, got.Instance, want.Instance)
	if len(got.Breakers) != len(want.Breakers) {
		t.Errorf("breakers %v, want %v", got.Breakers, want.Breakers)
	}
	for name, s := range want.Breakers {
		if got.Breakers[name] != s {
			t.Errorf("breaker %s: %q, want %q", name, got.Breakers[name], s)
		}
	}
	if len(got.Limiters) != len(want.Limiters) {
		t.Errorf("limiters %v, want %v", got.Limiters, want.Limiters)
	}
	for name, l := range want.Limiters {
		g := got.Limiters[name]
		if !near(g.Allowed, l.Allowed) || !near(g.Rejected, l.Rejected) ||
			!near(g.AllowedRate, l.AllowedRate) || !near(g.RejectedRate, l.RejectedRate) {
			t.Errorf("limiter %s: %+v, want %+v", name, g, l)
		}
	}
}

func checkEndpoint(t *testing.T, got, want EndpointStats) {
	t.Helper()
	if got.Endpoint != want.Endpoint || got.Transport != want.Transport ||
		!near(got.Requests, want.Requests) || !near(got.Errors, want.Errors) ||
		!near(got.Rate, want.Rate) || !near(got.ErrorRatio, want.ErrorRatio) ||
		got.P50 != want.P50 || got.P90 != want.P90 || got.P99 != want.P99 {
		t.Errorf("endpoint:\n got %+v\nwant %+v", got, want)
	}
}

// near compares floats computed along different paths (1e-12 relative).
func near(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}
