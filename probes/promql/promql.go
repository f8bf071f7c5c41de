package promql

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Defaults of Options.
const (
	DefaultWindow  = time.Minute
	DefaultTimeout = 5 * time.Second
)

// ErrURL is returned by New for a Prometheus address it cannot use.
var ErrURL = errors.New("promql: bad Prometheus URL")

// Labels name the target labels that say which instance a series is
// about. The zero value of each field is its default.
type Labels struct {
	// Service holds the registry's service name; empty means "service".
	Service string
	// ID holds the registry's instance ID; empty means "service_id".
	ID string
	// Instance holds the scraped host:port; empty means "instance".
	Instance string
}

func (l Labels) withDefaults() Labels {
	if l.Service == "" {
		l.Service = "service"
	}
	if l.ID == "" {
		l.ID = "service_id"
	}
	if l.Instance == "" {
		l.Instance = "instance"
	}
	return l
}

// Options configure a Source.
type Options struct {
	// URL is the Prometheus server's base URL, such as
	// http://127.0.0.1:9090; a bare host:port means http. Required.
	URL string
	// Window is the range of the rate and quantile queries; zero means
	// DefaultWindow (1 minute). It should span at least four of the
	// server's scrape intervals, or rates come out empty.
	Window time.Duration
	// Timeout bounds each query; zero means DefaultTimeout (5 s).
	Timeout time.Duration
	// Labels name the instance labels; the zero value is service,
	// service_id and instance (docs/prometheus.md).
	Labels Labels
	// RoundTripper carries the requests; nil means a transport of the
	// Source's own, which Close releases.
	RoundTripper http.RoundTripper
}

// Source asks one Prometheus server for a fleet's figures. Create it with
// New.
type Source struct {
	url    string
	api    v1.API
	window time.Duration
	lbl    Labels
	tmo    time.Duration
	own    *http.Transport // nil when the caller gave a RoundTripper
}

// New returns a Source for the server at o.URL. It does not contact the
// server: the first Fetch does.
func New(o Options) (*Source, error) {
	raw := strings.TrimSpace(o.URL)
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%w %q: want http://host:port", ErrURL, o.URL)
	}
	s := &Source{url: strings.TrimRight(u.String(), "/"), window: o.Window, lbl: o.Labels.withDefaults(), tmo: o.Timeout}
	if s.window <= 0 {
		s.window = DefaultWindow
	}
	if s.tmo <= 0 {
		s.tmo = DefaultTimeout
	}
	rt := o.RoundTripper
	if rt == nil {
		s.own = http.DefaultTransport.(*http.Transport).Clone()
		s.own.Proxy = nil
		rt = s.own
	}
	c, err := api.NewClient(api.Config{Address: s.url, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrURL, o.URL, err)
	}
	s.api = v1.NewAPI(c)
	return s, nil
}

// URL returns the server's base URL.
func (s *Source) URL() string { return s.url }

// Window returns the range of the rate queries.
func (s *Source) Window() time.Duration { return s.window }

// Close releases the idle connections of the Source's own transport.
func (s *Source) Close() {
	if s.own != nil {
		s.own.CloseIdleConnections()
	}
}

// figure is one query of a Fetch.
type figure int

const (
	figRequests figure = iota // increase of kit_requests_total by code
	figP50
	figP90
	figP99
	figMean
	figBounds   // the histogram's bucket bounds
	figBreakers // kit_breaker_state
	figLimiters // limiter decisions: in the window and in total
	figUp       // Prometheus's own up
	nFigures
)

var figureNames = [nFigures]string{"requests", "p50", "p90", "p99", "mean latency", "bucket bounds", "breakers", "limiters", "up"}

// queries returns the PromQL of every figure, indexed by figure.
func (s *Source) queries() [nFigures]string {
	l := s.lbl
	by := l.Service + ", " + l.ID + ", " + l.Instance
	ep := by + ", endpoint, transport"
	w := "[" + model.Duration(s.window).String() + "]"
	quantile := func(q string) string {
		// Endpoints, then whole instances (series without an endpoint
		// label): one answer for both.
		return fmt.Sprintf("histogram_quantile(%s, sum by (%s, le) (rate(kit_request_duration_seconds_bucket%s)))"+
			" or histogram_quantile(%s, sum by (%s, le) (rate(kit_request_duration_seconds_bucket%s)))", q, ep, w, q, by, w)
	}
	mean := func(g string) string {
		return fmt.Sprintf("sum by (%s) (rate(kit_request_duration_seconds_sum%s)) / sum by (%s) (rate(kit_request_duration_seconds_count%s))", g, w, g, w)
	}
	decision := func(expr, name string) string {
		return fmt.Sprintf(`label_replace(%s, "decision", %q, "", "")`, expr, name)
	}
	return [nFigures]string{
		figRequests: fmt.Sprintf("sum by (%s, code) (increase(kit_requests_total%s))", ep, w),
		figP50:      quantile("0.5"),
		figP90:      quantile("0.9"),
		figP99:      quantile("0.99"),
		figMean:     mean(ep) + " or " + mean(by),
		figBounds:   fmt.Sprintf("count by (%s, le) (kit_request_duration_seconds_bucket)", by),
		figBreakers: fmt.Sprintf("max by (%s, breaker) (kit_breaker_state)", by),
		figLimiters: fmt.Sprintf("sum by (%s, limiter, decision) (%s or %s or %s or %s)", by,
			decision("increase(kit_ratelimit_allowed_total"+w+")", "allowed"),
			decision("increase(kit_ratelimit_rejected_total"+w+")", "rejected"),
			decision("kit_ratelimit_allowed_total", "allowed_total"),
			decision("kit_ratelimit_rejected_total", "rejected_total")),
		figUp: fmt.Sprintf("max by (%s) (up)", by),
	}
}

// Fetch asks the server for every figure of the whole fleet as of at
// (the zero time: now), one query per figure, concurrently, and
// assembles the answers. It fails, naming the server and the figure,
// when any query fails.
func (s *Source) Fetch(ctx context.Context, at time.Time) (*Fleet, error) {
	if at.IsZero() {
		at = time.Now()
	}
	qs := s.queries()
	var (
		wg   sync.WaitGroup
		vecs [nFigures]model.Vector
		errs [nFigures]error
		warn [nFigures]v1.Warnings
	)
	for i := range nFigures {
		wg.Go(func() {
			qctx, cancel := context.WithTimeout(ctx, s.tmo)
			defer cancel()
			v, w, _, err := s.api.Query(qctx, qs[i], at)
			warn[i] = w
			if err != nil {
				errs[i] = fmt.Errorf("promql: Prometheus at %s: %s query: %w", s.url, figureNames[i], err)
				return
			}
			vec, ok := v.(model.Vector)
			if !ok {
				errs[i] = fmt.Errorf("promql: Prometheus at %s: %s query answered a %s, want a vector", s.url, figureNames[i], v.Type())
				return
			}
			vecs[i] = vec
		})
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	f := assemble(s.lbl, at, s.window, vecs)
	for _, w := range warn {
		f.Warnings = append(f.Warnings, w...)
	}
	return f, nil
}
