package gateway

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/lb"
)

// Names of the ejection metrics the gateway exposes on /metrics.
const (
	// MetricEjections counts outlier ejections since start, per service.
	MetricEjections = "kit_lb_ejections_total"
	// MetricEjected is a gauge per service: instances ejected now.
	MetricEjected = "kit_lb_ejected"
)

// maxEjectionBreakers bounds the per-instance breakers registered for
// ejected instances; a registry cannot forget a breaker, so a long-lived
// gateway under instance churn stops adding them here (ejections are still
// logged, published, traced and counted).
const maxEjectionBreakers = 64

// maxFailuresShown bounds the failures an ejection's transition carries.
const maxFailuresShown = 20

// ejections makes outlier ejections observable. An ejected instance is
// shown as a circuit breaker of its own, "outlier/SERVICE/ID": open while
// ejected, closed once back in service. That is what an ejection is — a
// breaker around one instance — so the protocol's breaker views, events
// and kit_breaker_state show ejections with no new types.
type ejections struct {
	service     string
	consecutive int
	now         func() time.Time
	reg         *introspect.Registry
	log         *slog.Logger
	outlier     atomic.Pointer[lb.Outlier] // set once the upstream exists
	total       atomic.Uint64
	recent      *recentFailures // why each ejection happened

	mu       sync.Mutex
	breakers map[string]*ejectedBreaker // by instance ID
	timers   map[string]*time.Timer     // publishes the return, by instance ID
	closed   bool
}

func newEjections(service string, oc lb.OutlierConfig, reg *introspect.Registry, log *slog.Logger) *ejections {
	now := oc.Now
	if now == nil {
		now = time.Now
	}
	consecutive := oc.Consecutive
	if consecutive <= 0 {
		consecutive = 5 // lb's default
	}
	return &ejections{
		service: service, consecutive: consecutive, now: now, reg: reg, log: log,
		recent:   newRecentFailures(min(consecutive, maxFailuresShown), now),
		breakers: map[string]*ejectedBreaker{}, timers: map[string]*time.Timer{},
	}
}

// onEject is the Outlier's OnEject hook; the Outlier has already recorded
// the ejection on the call's span.
func (x *ejections) onEject(ctx context.Context, e lb.Ejection) {
	x.total.Add(1)
	now := x.now()
	x.log.WarnContext(ctx, "instance ejected", "service", x.service, "instance", e.ID,
		"address", e.Address, "until", e.Until, "ejections", e.Count)
	name := "outlier/" + x.service + "/" + e.ID
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return
	}
	b := x.breakers[e.ID]
	if b == nil && len(x.breakers) < maxEjectionBreakers {
		b = &ejectedBreaker{name: name, consecutive: uint64(x.consecutive), now: x.now}
		x.breakers[e.ID] = b
		x.reg.AddBreaker(b)
	}
	if b != nil {
		b.set(e, now)
	}
	x.publish(name, introspect.StateClosed, introspect.StateOpen, now, runCounts(e.Failures, x.consecutive), x.recent.of(e.ID, e.Address))
	if t := x.timers[e.ID]; t != nil {
		t.Stop()
	}
	x.timers[e.ID] = time.AfterFunc(e.Until.Sub(now), func() {
		x.mu.Lock()
		defer x.mu.Unlock()
		if x.closed {
			return
		}
		delete(x.timers, e.ID)
		x.publish(name, introspect.StateOpen, introspect.StateClosed, e.Until, introspect.BreakerCounts{}, nil)
	})
}

// publish announces a transition of an ejection breaker; an ejection
// carries the failures that led to it and the counts of its run.
func (x *ejections) publish(name, from, to string, at time.Time, counts introspect.BreakerCounts, failures []introspect.BreakerFailure) {
	x.reg.Publish(introspect.Event{Type: introspect.EventBreaker, Breaker: &introspect.BreakerTransition{
		Name: name, From: from, To: to, Time: at.UTC(), Counts: counts, Failures: failures,
	}})
}

// runCounts are an ejection breaker's window counts: an outlier detector's
// window is the run of calls since the instance last succeeded, so the
// calls, the failures and the failures in a row are all the run that
// ejected it (at least consecutive, for an Ejection that does not say).
func runCounts(run, consecutive int) introspect.BreakerCounts {
	n := uint64(max(run, consecutive))
	return introspect.BreakerCounts{Requests: n, Failures: n, ConsecutiveFailures: n}
}

// close stops the timers that would publish returns to service.
func (x *ejections) close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closed = true
	for id, t := range x.timers {
		t.Stop()
		delete(x.timers, id)
	}
}

// ejectedBreaker is the introspection view of one instance's ejections.
type ejectedBreaker struct {
	name        string
	consecutive uint64
	now         func() time.Time

	mu    sync.Mutex
	at    time.Time // when the last ejection started
	until time.Time
	run   int // the failures in a row that ejected it
}

func (b *ejectedBreaker) set(e lb.Ejection, at time.Time) {
	b.mu.Lock()
	b.at, b.until, b.run = at, e.Until, e.Failures
	b.mu.Unlock()
}

// BreakerInfo implements introspect.BreakerSource.
func (b *ejectedBreaker) BreakerInfo() introspect.Breaker {
	b.mu.Lock()
	at, until, run := b.at, b.until, b.run
	b.mu.Unlock()
	info := introspect.Breaker{
		Name:  b.name,
		State: introspect.StateClosed,
		Settings: introspect.BreakerSettings{
			Policy:              "consecutive",
			ConsecutiveFailures: b.consecutive,
			OpenTimeoutNS:       int64(until.Sub(at)),
		},
		LastTransition: until.UTC(),
	}
	if b.now().Before(until) {
		info.State = introspect.StateOpen
		info.LastTransition = at.UTC()
		info.Counts = runCounts(run, int(b.consecutive))
		info.ErrorRatio = 1
	}
	return info
}

// collector exposes MetricEjections and MetricEjected.
type ejectionCollector struct {
	x              *ejections
	total, ejected *prometheus.Desc
}

func newEjectionCollector(x *ejections) prometheus.Collector {
	l := []string{"service"}
	return &ejectionCollector{
		x:       x,
		total:   prometheus.NewDesc(MetricEjections, "Outlier ejections of instances since start.", l, nil),
		ejected: prometheus.NewDesc(MetricEjected, "Instances ejected by outlier detection now.", l, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *ejectionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.total
	ch <- c.ejected
}

// Collect implements prometheus.Collector.
func (c *ejectionCollector) Collect(ch chan<- prometheus.Metric) {
	ejected := 0
	if o := c.x.outlier.Load(); o != nil {
		ejected = len(o.Ejected())
	}
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.CounterValue, float64(c.x.total.Load()), c.x.service)
	ch <- prometheus.MustNewConstMetric(c.ejected, prometheus.GaugeValue, float64(ejected), c.x.service)
}
