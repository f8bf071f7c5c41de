package metrics

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/introspect"
)

// Names of the metrics NewCollector exposes.
const (
	// BreakerState is a gauge per breaker: 0 closed, 1 half-open, 2 open.
	BreakerState = "kit_breaker_state"
	// BreakerRequests is a gauge per breaker: calls in its current window.
	BreakerRequests = "kit_breaker_requests"
	// BreakerFailures is a gauge per breaker: failed calls in its current
	// window.
	BreakerFailures = "kit_breaker_failures"
	// BreakerRejected counts calls a breaker rejected since start.
	BreakerRejected = "kit_breaker_rejected_total"
	// RateLimitAllowed counts calls a limiter let through since start.
	RateLimitAllowed = "kit_ratelimit_allowed_total"
	// RateLimitRejected counts calls a limiter rejected since start.
	RateLimitRejected = "kit_ratelimit_rejected_total"
	// RateLimitTokens is a gauge per limiter: tokens available now.
	RateLimitTokens = "kit_ratelimit_tokens"
)

// collector reads an introspect.Registry at scrape time.
type collector struct {
	reg *introspect.Registry

	state, requests, failures, rejected *prometheus.Desc
	allowed, limited, tokens            *prometheus.Desc
}

// NewCollector returns a Prometheus collector for the breakers and
// limiters registered in reg. It reads their snapshots when scraped, so it
// adds nothing to the call path. Register it with the service's registry
// next to New's metrics.
//
// A breaker whose state is not one of introspect's states is left out of
// BreakerState. When two components share a name, only the first (in the
// registry's name order) is exposed, so a scrape never fails over it. A
// nil reg collects nothing.
func NewCollector(reg *introspect.Registry) prometheus.Collector {
	b := []string{"breaker"}
	l := []string{"limiter"}
	return &collector{
		reg:      reg,
		state:    prometheus.NewDesc(BreakerState, "Circuit breaker state: 0 closed, 1 half-open, 2 open.", b, nil),
		requests: prometheus.NewDesc(BreakerRequests, "Calls in the circuit breaker's current window.", b, nil),
		failures: prometheus.NewDesc(BreakerFailures, "Failed calls in the circuit breaker's current window.", b, nil),
		rejected: prometheus.NewDesc(BreakerRejected, "Calls the circuit breaker rejected.", b, nil),
		allowed:  prometheus.NewDesc(RateLimitAllowed, "Calls the rate limiter let through.", l, nil),
		limited:  prometheus.NewDesc(RateLimitRejected, "Calls the rate limiter rejected.", l, nil),
		tokens:   prometheus.NewDesc(RateLimitTokens, "Tokens the rate limiter has available now.", l, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.state, c.requests, c.failures, c.rejected, c.allowed, c.limited, c.tokens} {
		ch <- d
	}
}

// stateValue maps a breaker state to BreakerState's value.
func stateValue(s string) (float64, bool) {
	switch s {
	case introspect.StateClosed:
		return 0, true
	case introspect.StateHalfOpen:
		return 1, true
	case introspect.StateOpen:
		return 2, true
	}
	return 0, false
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	if c.reg == nil {
		return
	}
	seen := map[string]bool{}
	for _, b := range c.reg.Breakers() {
		name := strings.ToValidUTF8(b.Name, "\uFFFD")
		if seen[name] {
			continue
		}
		seen[name] = true
		if v, ok := stateValue(b.State); ok {
			emit(ch, c.state, prometheus.GaugeValue, v, name)
		}
		emit(ch, c.requests, prometheus.GaugeValue, float64(b.Counts.Requests), name)
		emit(ch, c.failures, prometheus.GaugeValue, float64(b.Counts.Failures), name)
		emit(ch, c.rejected, prometheus.CounterValue, float64(b.Counts.Rejected), name)
	}
	clear(seen)
	for _, l := range c.reg.Limiters() {
		name := strings.ToValidUTF8(l.Name, "\uFFFD")
		if seen[name] {
			continue
		}
		seen[name] = true
		emit(ch, c.allowed, prometheus.CounterValue, float64(l.Allowed), name)
		emit(ch, c.limited, prometheus.CounterValue, float64(l.Rejected), name)
		emit(ch, c.tokens, prometheus.GaugeValue, l.Tokens, name)
	}
}

// emit sends one sample. Collect repairs invalid UTF-8 in names first, so
// NewConstMetric does not fail; if it did, the sample would be left out
// rather than fail the scrape.
func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, name string) {
	m, err := prometheus.NewConstMetric(d, t, v, name)
	if err != nil {
		return
	}
	ch <- m
}
