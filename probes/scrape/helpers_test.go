package scrape

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// kitMetrics are kit-shaped metrics built by hand with client_golang, so
// tests drive every value exactly.
type kitMetrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	breaker  *prometheus.GaugeVec
	allowed  *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

// testBuckets are the duration buckets of kitMetrics, in seconds.
var testBuckets = []float64{0.01, 0.05, 0.1, 0.5, 1}

func newKitMetrics(t testing.TB) *kitMetrics {
	t.Helper()
	k := &kitMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kit_requests_total", Help: "Finished calls.",
		}, []string{"endpoint", "transport", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kit_request_duration_seconds", Help: "Call latency.", Buckets: testBuckets,
		}, []string{"endpoint", "transport"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kit_breaker_state", Help: "Breaker state.",
		}, []string{"breaker"}),
		allowed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kit_ratelimit_allowed_total", Help: "Allowed calls.",
		}, []string{"limiter"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kit_ratelimit_rejected_total", Help: "Rejected calls.",
		}, []string{"limiter"}),
	}
	k.reg.MustRegister(k.requests, k.duration, k.breaker, k.allowed, k.rejected)
	return k
}

// calls records n calls of endpoint over transport ending with code, each
// taking seconds.
func (k *kitMetrics) calls(endpoint, transport, code string, n int, seconds float64) {
	for range n {
		k.requests.WithLabelValues(endpoint, transport, code).Inc()
		k.duration.WithLabelValues(endpoint, transport).Observe(seconds)
	}
}

// switchHandler serves whichever handler was stored last, so a test can
// "restart" the process behind one URL.
type switchHandler struct{ h atomic.Pointer[http.Handler] }

func (s *switchHandler) set(h http.Handler) { s.h.Store(&h) }
func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// serve starts a loopback server for h, closed when the test ends.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// serveRegistry serves reg through promhttp, as a kit service does.
func serveRegistry(t testing.TB, reg *prometheus.Registry) string {
	return serve(t, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}

// fakeClock hands out times a test sets, for exact intervals.
type fakeClock struct{ now atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.now.Store(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.now.Add(int64(d)) }
func (c *fakeClock) scraper(opts ...Option) *Scraper {
	return New(append([]Option{WithClock(c.Now)}, opts...)...)
}

// allocated runs f and returns the bytes allocated meanwhile, by every
// goroutine of the process (tests using it do not run in parallel).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
