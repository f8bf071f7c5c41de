package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kitbench/kitbench/kit/introspect"
)

type breakerSnap introspect.Breaker

func (b *breakerSnap) BreakerInfo() introspect.Breaker { return introspect.Breaker(*b) }

type limiterSnap introspect.Limiter

func (l *limiterSnap) LimiterInfo() introspect.Limiter { return introspect.Limiter(*l) }

func TestCollector(t *testing.T) {
	ir := introspect.NewRegistry(introspect.Info{Service: "books"})
	inventory := &breakerSnap{Name: "inventory", State: introspect.StateOpen,
		Counts: introspect.BreakerCounts{Requests: 20, Failures: 12, Rejected: 3}}
	ir.AddBreaker(inventory)
	ir.AddBreaker(&breakerSnap{Name: "payments", State: introspect.StateClosed,
		Counts: introspect.BreakerCounts{Requests: 7}})
	ir.AddBreaker(&breakerSnap{Name: "search", State: introspect.StateHalfOpen})
	ir.AddBreaker(&breakerSnap{Name: "weird", State: "sideways"})                   // no state sample
	ir.AddBreaker(&breakerSnap{Name: "payments", State: introspect.StateOpen})      // duplicate: left out
	ir.AddBreaker(&breakerSnap{Name: "bad\xffname", State: introspect.StateClosed}) // repaired
	ir.AddLimiter(&limiterSnap{Name: "writes", Allowed: 100, Rejected: 7, Tokens: 2.5})

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(ir))
	want := `
# HELP kit_breaker_state Circuit breaker state: 0 closed, 1 half-open, 2 open.
# TYPE kit_breaker_state gauge
kit_breaker_state{breaker="bad` + "\uFFFD" + `name"} 0
kit_breaker_state{breaker="inventory"} 2
kit_breaker_state{breaker="payments"} 0
kit_breaker_state{breaker="search"} 1
# HELP kit_breaker_requests Calls in the circuit breaker's current window.
# TYPE kit_breaker_requests gauge
kit_breaker_requests{breaker="bad` + "\uFFFD" + `name"} 0
kit_breaker_requests{breaker="inventory"} 20
kit_breaker_requests{breaker="payments"} 7
kit_breaker_requests{breaker="search"} 0
kit_breaker_requests{breaker="weird"} 0
# HELP kit_breaker_rejected_total Calls the circuit breaker rejected.
# TYPE kit_breaker_rejected_total counter
kit_breaker_rejected_total{breaker="bad` + "\uFFFD" + `name"} 0
kit_breaker_rejected_total{breaker="inventory"} 3
kit_breaker_rejected_total{breaker="payments"} 0
kit_breaker_rejected_total{breaker="search"} 0
kit_breaker_rejected_total{breaker="weird"} 0
# HELP kit_ratelimit_allowed_total Calls the rate limiter let through.
# TYPE kit_ratelimit_allowed_total counter
kit_ratelimit_allowed_total{limiter="writes"} 100
# HELP kit_ratelimit_rejected_total Calls the rate limiter rejected.
# TYPE kit_ratelimit_rejected_total counter
kit_ratelimit_rejected_total{limiter="writes"} 7
# HELP kit_ratelimit_tokens Tokens the rate limiter has available now.
# TYPE kit_ratelimit_tokens gauge
kit_ratelimit_tokens{limiter="writes"} 2.5
`
	names := []string{BreakerState, BreakerRequests, BreakerRejected, RateLimitAllowed, RateLimitRejected, RateLimitTokens}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}

	// The collector reads the registry at scrape time.
	inventory.State = introspect.StateHalfOpen
	inventory.Counts.Failures = 13
	if got := testutil.ToFloat64(gauge(t, reg, BreakerState, "inventory")); got != 1 {
		t.Errorf("state after the change = %v, want 1", got)
	}
	if got := testutil.ToFloat64(gauge(t, reg, BreakerFailures, "inventory")); got != 13 {
		t.Errorf("failures after the change = %v, want 13", got)
	}
}

// gauge returns a collector for one sample of reg, for testutil.ToFloat64.
func gauge(t *testing.T, reg *prometheus.Registry, name, breaker string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == breaker {
				g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x", Help: "x"})
				g.Set(m.GetGauge().GetValue())
				return g
			}
		}
	}
	t.Fatalf("no %s{breaker=%q}", name, breaker)
	return nil
}

func TestCollectorNilRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(nil))
	if n := countSeries(t, reg); n != 0 {
		t.Errorf("%d series from a nil registry", n)
	}
}
