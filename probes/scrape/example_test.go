package scrape_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kitbench/kitbench/probes/scrape"
)

// Two scrapes of a service ten seconds apart give its request rate,
// error ratio and latency quantiles.
func Example() {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kit_requests_total", Help: "Calls."},
		[]string{"endpoint", "transport", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kit_request_duration_seconds", Help: "Latency.",
		Buckets: []float64{0.1, 0.2, 0.4}}, []string{"endpoint", "transport"})
	reg.MustRegister(requests, duration)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := scrape.New(scrape.WithClock(func() time.Time { return now }))
	defer s.Close()
	ctx := context.Background()
	prev, err := s.Scrape(ctx, srv.URL+"/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	// 20 calls in 10 s, 5 failing: 10 under 0.1 s, 8 under 0.2 s, 2 under 0.4 s.
	for i := range 20 {
		code, took := "ok", 0.05
		if i%4 == 0 {
			code = "503"
		}
		if i >= 10 {
			took = 0.15
		}
		if i >= 18 {
			took = 0.3
		}
		requests.WithLabelValues("GetBook", "http", code).Inc()
		duration.WithLabelValues("GetBook", "http").Observe(took)
	}
	now = now.Add(10 * time.Second)
	cur, err := s.Scrape(ctx, srv.URL+"/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range scrape.Derive(prev, cur).Endpoints {
		fmt.Printf("%s/%s: %.1f req/s, %.0f%% errors, p50 %v, p99 %v\n",
			e.Endpoint, e.Transport, e.Rate, 100*e.ErrorRatio, e.P50, e.P99)
	}
	// Output:
	// GetBook/http: 2.0 req/s, 25% errors, p50 100ms, p99 380ms
}
