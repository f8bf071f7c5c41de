package metrics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// failed is a response that carries a business error.
type failed struct{ err error }

func (f failed) Failed() error { return f.err }

// statusEndpoint fails with the status named by the request (0: success).
func statusEndpoint(_ context.Context, req any) (any, error) {
	switch r := req.(type) {
	case int:
		if r == 0 {
			return "ok", nil
		}
		return nil, transport.NewError(r, "failed")
	case error:
		return nil, r
	case failed:
		return r, nil
	}
	return req, nil
}

func newMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	m, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

func TestRequestsTotalCodes(t *testing.T) {
	m, reg := newMetrics(t)
	e := m.Middleware("GetBook", "http")(statusEndpoint)
	ctx := context.Background()
	for _, req := range []any{
		0, 0, 0, // ok
		404, 429, 503, 503,
		418, 451, // other 4xx
		599,                                      // another 5xx
		1000,                                     // not a status: StatusOf makes it 500
		errors.New("boom"),                       // 500
		context.DeadlineExceeded,                 // 504
		fmt.Errorf("call: %w", context.Canceled), // 499
		failed{transport.NewError(409, "exists")}, // a Failer's error counts
		failed{nil}, // a Failer that did not fail is ok
		"any other request with a distinct value", // ok
	} {
		_, _ = e(ctx, req)
	}
	want := `
# HELP kit_requests_total Endpoint calls that finished, by endpoint, transport and result code (ok, an HTTP status, 4xx or 5xx).
# TYPE kit_requests_total counter
kit_requests_total{code="404",endpoint="GetBook",transport="http"} 1
kit_requests_total{code="409",endpoint="GetBook",transport="http"} 1
kit_requests_total{code="429",endpoint="GetBook",transport="http"} 1
kit_requests_total{code="499",endpoint="GetBook",transport="http"} 1
kit_requests_total{code="4xx",endpoint="GetBook",transport="http"} 2
kit_requests_total{code="500",endpoint="GetBook",transport="http"} 2
kit_requests_total{code="503",endpoint="GetBook",transport="http"} 2
kit_requests_total{code="504",endpoint="GetBook",transport="http"} 1
kit_requests_total{code="5xx",endpoint="GetBook",transport="http"} 1
kit_requests_total{code="ok",endpoint="GetBook",transport="http"} 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), RequestsTotal); err != nil {
		t.Error(err)
	}
}

func TestDurationAndInFlight(t *testing.T) {
	m, reg := newMetrics(t)
	var during float64
	e := m.Middleware("ListBooks", "grpc")(func(context.Context, any) (any, error) {
		during = testutil.ToFloat64(m.inFlight.WithLabelValues("ListBooks", "grpc"))
		return nil, nil
	})
	for range 3 {
		_, _ = e(context.Background(), nil)
	}
	if during != 1 {
		t.Errorf("in flight during a call = %v, want 1", during)
	}
	if got := testutil.ToFloat64(m.inFlight.WithLabelValues("ListBooks", "grpc")); got != 0 {
		t.Errorf("in flight after = %v, want 0", got)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, mf := range mfs {
		if mf.GetName() != RequestDuration {
			continue
		}
		found = true
		h := mf.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 3 || len(h.GetBucket()) != len(DefaultBuckets) {
			t.Errorf("histogram: %d samples, %d buckets", h.GetSampleCount(), len(h.GetBucket()))
		}
		labels := mf.GetMetric()[0].GetLabel()
		if len(labels) != 2 || labels[0].GetValue() != "ListBooks" || labels[1].GetValue() != "grpc" {
			t.Errorf("labels %v", labels)
		}
	}
	if !found {
		t.Errorf("no %s", RequestDuration)
	}
}

func TestInFlightSurvivesPanic(t *testing.T) {
	m, _ := newMetrics(t)
	e := m.Middleware("Panics", "http")(func(context.Context, any) (any, error) { panic("boom") })
	func() {
		defer func() { _ = recover() }()
		_, _ = e(context.Background(), nil)
	}()
	if got := testutil.ToFloat64(m.inFlight.WithLabelValues("Panics", "http")); got != 0 {
		t.Errorf("in flight after a panic = %v, want 0", got)
	}
}

// countSeries returns the number of series in reg, all families together.
func countSeries(t *testing.T, reg prometheus.Gatherer) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		n += len(mf.GetMetric())
	}
	return n
}

func TestDistinctRequestsDoNotCreateSeries(t *testing.T) {
	m, reg := newMetrics(t)
	ctx := context.Background()
	e := m.Middleware("GetBook", "http")(func(_ context.Context, req any) (any, error) {
		path := req.(string)
		// Errors that carry the request in their message and in odd
		// statuses must not leak into labels either.
		switch len(path) % 4 {
		case 1:
			return nil, transport.NewError(400+len(path)%100, "bad "+path)
		case 2:
			return nil, fmt.Errorf("backend for %s: %w", path, transport.NewError(500+len(path)%100, path))
		case 3:
			return failed{errors.New(path)}, nil
		}
		return path, nil
	})
	_, _ = e(ctx, "/v1/books/0")
	before := countSeries(t, reg)
	for i := range 10_000 {
		_, _ = e(ctx, fmt.Sprintf("/v1/books/%d?x=%s", i, strings.Repeat("y", i%37)))
	}
	after := countSeries(t, reg)
	// One histogram, one gauge, and at most one counter per code.
	if limit := 2 + len(codes); after > limit {
		t.Errorf("%d series after 10 000 distinct requests, want at most %d", after, limit)
	}
	if after-before > len(codes) {
		t.Errorf("series grew from %d to %d", before, after)
	}
	var total float64
	for _, c := range codes {
		total += testutil.ToFloat64(m.requests.WithLabelValues("GetBook", "http", c))
	}
	if total != 10_001 {
		t.Errorf("counted %v calls, want 10001", total)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(nil); !errors.Is(err, ErrNilRegisterer) {
		t.Errorf("New(nil): %v", err)
	}
	reg := prometheus.NewRegistry()
	m1, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := New(reg) // a second package asking for the same metrics
	if err != nil {
		t.Fatalf("second New on one registry: %v", err)
	}
	_, _ = m1.Middleware("A", "http")(endpoint.Nop)(context.Background(), nil)
	_, _ = m2.Middleware("A", "http")(endpoint.Nop)(context.Background(), nil)
	if got := testutil.ToFloat64(m1.requests.WithLabelValues("A", "http", CodeOK)); got != 2 {
		t.Errorf("shared counter = %v, want 2", got)
	}

	clash := prometheus.NewRegistry()
	clash.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: RequestsTotal, Help: "not ours"}))
	if _, err := New(clash); err == nil {
		t.Error("New over a differently shaped metric of the same name should fail")
	}

	if _, err := New(prometheus.NewRegistry(), Buckets(0.1, 1)); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidUTF8Labels(t *testing.T) {
	m, reg := newMetrics(t)
	e := m.Middleware("Get\xffBook", "ht\xfetp")(endpoint.Nop)
	if _, err := e(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP kit_requests_total Endpoint calls that finished, by endpoint, transport and result code (ok, an HTTP status, 4xx or 5xx).
# TYPE kit_requests_total counter
kit_requests_total{code="ok",endpoint="Get`+"\uFFFD"+`Book",transport="ht`+"\uFFFD"+`tp"} 1
`), RequestsTotal); err != nil {
		t.Error(err)
	}
}

func TestCodeIndexCoversCodes(t *testing.T) {
	seen := map[int]bool{}
	for status := 100; status < 1000; status++ {
		i := codeIndex(status)
		if i < 0 || i >= len(codes) {
			t.Fatalf("codeIndex(%d) = %d", status, i)
		}
		seen[i] = true
		if c := codes[i]; c != CodeOK && len(c) == 3 && c[1:] != "xx" && c != fmt.Sprint(status) {
			t.Errorf("status %d has code %q", status, c)
		}
	}
	if len(seen) != len(codes) {
		t.Errorf("%d of %d codes reachable", len(seen), len(codes))
	}
}
