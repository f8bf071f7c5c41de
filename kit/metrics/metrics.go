package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/monotime"
	"github.com/kitbench/kitbench/kit/transport"
)

// Names of the request metrics. They are part of kit's compatibility
// promise: dashboards and kitbench's scraper rely on them.
const (
	// RequestsTotal counts finished calls by endpoint, transport and code.
	RequestsTotal = "kit_requests_total"
	// RequestDuration is a histogram of call latency in seconds, by
	// endpoint and transport.
	RequestDuration = "kit_request_duration_seconds"
	// RequestsInFlight is a gauge of calls in progress, by endpoint and
	// transport.
	RequestsInFlight = "kit_requests_in_flight"
)

// CodeOK is the code label of a call that succeeded.
const CodeOK = "ok"

// DefaultBuckets are the upper bounds, in seconds, of RequestDuration's
// buckets: 0.5 ms to 10 s, roughly ×2.5 apart.
var DefaultBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// ErrNilRegisterer is returned by New when it is given no Registerer.
var ErrNilRegisterer = errors.New("metrics: nil prometheus.Registerer")

// codes is the complete set of values of the code label: CodeOK, the
// statuses kit's own errors and transports produce, and a class for any
// other status. Index 0 must be CodeOK.
var codes = [...]string{CodeOK,
	"400", "401", "403", "404", "409", "412", "422", "429", "499",
	"500", "501", "502", "503", "504",
	"4xx", "5xx"}

// codeOf is the index in codes of the code of a call that ran with ctx and
// failed with err: "499" for the caller's cancellation and for the
// caller's own deadline (transport.Classify's Canceled and
// CallerDeadline), else the status transport.StatusOf gives err. So a
// caller that stopped waiting is never labelled like the service's own
// failure (a 504), and a failure ratio derived from the label agrees with
// breakers and ejection.
func codeOf(ctx context.Context, err error) int {
	switch transport.Classify(ctx, err) {
	case transport.Canceled, transport.CallerDeadline:
		return codeIndex(transport.StatusClientClosedRequest)
	}
	return codeIndex(transport.StatusOf(err))
}

// codeIndex maps an HTTP status (from transport.StatusOf) to its index in
// codes.
func codeIndex(status int) int {
	switch status {
	case http.StatusOK:
		return 0
	case 400:
		return 1
	case 401:
		return 2
	case 403:
		return 3
	case 404:
		return 4
	case 409:
		return 5
	case 412:
		return 6
	case 422:
		return 7
	case 429:
		return 8
	case transport.StatusClientClosedRequest:
		return 9
	case 500, 501, 502, 503, 504:
		return 10 + status - 500
	}
	if status >= 400 && status < 500 {
		return len(codes) - 2
	}
	return len(codes) - 1
}

// Option configures New.
type Option func(*config)

type config struct{ buckets []float64 }

// Buckets replaces DefaultBuckets as RequestDuration's bucket upper
// bounds, in seconds. No bounds (the default) means DefaultBuckets.
func Buckets(upper ...float64) Option {
	return func(c *config) { c.buckets = upper }
}

// Metrics holds the request metrics of one service, registered with one
// Registerer. Build one per service with New and a Middleware per
// endpoint from it.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
}

// New creates the request metrics and registers them with reg. If reg
// already holds metrics of the same names and shape (New was called
// before with it), those are reused, so several packages may each call
// New with the service's registry. A nil reg is an error: kit never falls
// back to the process-global prometheus.DefaultRegisterer.
func New(reg prometheus.Registerer, opts ...Option) (*Metrics, error) {
	if reg == nil {
		return nil, ErrNilRegisterer
	}
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.buckets) == 0 {
		cfg.buckets = DefaultBuckets
	}
	labels := []string{"endpoint", "transport"}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: RequestsTotal,
			Help: "Endpoint calls that finished, by endpoint, transport and result code (ok, an HTTP status, 4xx or 5xx).",
		}, []string{"endpoint", "transport", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    RequestDuration,
			Help:    "Duration of endpoint calls in seconds, by endpoint and transport.",
			Buckets: cfg.buckets,
		}, labels),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: RequestsInFlight,
			Help: "Endpoint calls in progress, by endpoint and transport.",
		}, labels),
	}
	var err error
	if m.requests, err = register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.inFlight, err = register(reg, m.inFlight); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the equivalent collector reg already
// has.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("metrics: registering: %w", err)
}

// Middleware returns a middleware that records every call of the endpoint
// it wraps under the given endpoint and transport label values. The label
// values are fixed here, never taken from requests, so the number of
// series is bounded by the endpoints a service has times len(codes).
//
// A call is counted with code CodeOK when it returns a nil error and a
// response that is not a Failer reporting an error; otherwise the code is
// transport.StatusOf of the error (a Failer's error counts like a returned
// one), as a status number when it is one kit produces and as "4xx" or
// "5xx" when it is not. Invalid UTF-8 in a label value is replaced.
func (m *Metrics) Middleware(endpointName, transportName string) endpoint.Middleware {
	endpointName = strings.ToValidUTF8(endpointName, "\uFFFD")
	transportName = strings.ToValidUTF8(transportName, "\uFFFD")
	return func(next endpoint.Endpoint) endpoint.Endpoint {
		in := &instrumented{
			m:         m,
			endpoint:  endpointName,
			transport: transportName,
			duration:  m.duration.WithLabelValues(endpointName, transportName),
			inFlight:  m.inFlight.WithLabelValues(endpointName, transportName),
			next:      next,
		}
		in.counter(0) // the ok series exists from the start
		return in.call
	}
}

// counterRef boxes a counter for atomic.Pointer.
type counterRef struct{ c prometheus.Counter }

// instrumented is one wrapped endpoint with its metric children resolved
// up front, so that a call does no label lookups and no allocations.
type instrumented struct {
	m                   *Metrics
	endpoint, transport string
	duration            prometheus.Observer
	inFlight            prometheus.Gauge
	counters            [len(codes)]atomic.Pointer[counterRef]
	next                endpoint.Endpoint
}

func (in *instrumented) call(ctx context.Context, req any) (any, error) {
	in.inFlight.Inc()
	defer in.inFlight.Dec() // even if next panics and a transport recovers
	start := monotime.Now()
	resp, err := in.next(ctx, req)
	in.duration.Observe((monotime.Now() - start).Seconds())
	code := 0
	if err != nil {
		code = codeOf(ctx, err)
	} else if f, ok := resp.(endpoint.Failer); ok {
		if ferr := f.Failed(); ferr != nil {
			code = codeOf(ctx, ferr)
		}
	}
	in.counter(code).Inc()
	return resp, err
}

// counter returns the child of RequestsTotal for codes[i], resolving it on
// first use.
func (in *instrumented) counter(i int) prometheus.Counter {
	if r := in.counters[i].Load(); r != nil {
		return r.c
	}
	c := in.m.requests.WithLabelValues(in.endpoint, in.transport, codes[i])
	in.counters[i].Store(&counterRef{c}) // a racing resolver stores the same child
	return c
}
