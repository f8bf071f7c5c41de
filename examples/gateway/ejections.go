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
// and kit_breaker_state show ejections with no new types. The rule that
// ejected it is the breaker's policy: "consecutive", or "ratio" for
// lb.ReasonFailureRatio.
type ejections struct {
	service string
	cfg     lb.OutlierConfig // in force: lb's defaults filled in
	now     func() time.Time
	reg     *introspect.Registry
	log     *slog.Logger
	outlier atomic.Pointer[lb.Outlier] // set once the upstream exists
	total   atomic.Uint64
	recent  *recentFailures // why each ejection happened

	mu       sync.Mutex
	breakers map[string]*ejectedBreaker // by instance ID
	timers   map[string]*time.Timer     // publishes the return, by instance ID
	closed   bool
}

func newEjections(service string, oc lb.OutlierConfig, reg *introspect.Registry, log *slog.Logger) *ejections {
	cfg := lb.NewOutlier(nil, nil, oc).Config() // lb's defaults, from their one home
	keep := min(cfg.Consecutive, maxFailuresShown)
	if cfg.FailureRatio > 0 {
		keep = maxFailuresShown
	}
	return &ejections{
		service: service, cfg: cfg, now: cfg.Now, reg: reg, log: log,
		recent:   newRecentFailures(keep, cfg.Now),
		breakers: map[string]*ejectedBreaker{}, timers: map[string]*time.Timer{},
	}
}

// onEject is the Outlier's OnEject hook; the Outlier has already recorded
// the ejection on the call's span.
func (x *ejections) onEject(ctx context.Context, e lb.Ejection) {
	x.total.Add(1)
	now := x.now()
	x.log.WarnContext(ctx, "instance ejected", "service", x.service, "instance", e.ID,
		"address", e.Address, "until", e.Until, "ejections", e.Count,
		"reason", e.Reason, "failures", e.Failures, "requests", e.Requests, "failure_ratio", e.Ratio())
	name := "outlier/" + x.service + "/" + e.ID
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return
	}
	b := x.breakers[e.ID]
	if b == nil && len(x.breakers) < maxEjectionBreakers {
		b = &ejectedBreaker{name: name, cfg: x.cfg}
		x.breakers[e.ID] = b
		x.reg.AddBreaker(b)
	}
	if b != nil {
		b.set(e, now)
	}
	x.publish(name, introspect.StateClosed, introspect.StateOpen, now, countsOf(e, x.cfg.Consecutive), x.recent.of(e, x.cfg.Window))
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

// countsOf are an ejection breaker's window counts: the calls the rule
// that ejected it judged. For a run of consecutive failures the calls, the
// failures and the failures in a row are all the run (at least
// consecutive, for an Ejection that does not say); for a failure ratio,
// the calls in the outlier's window and the failures among them.
func countsOf(e lb.Ejection, consecutive int) introspect.BreakerCounts {
	if e.Reason == lb.ReasonFailureRatio {
		return introspect.BreakerCounts{Requests: uint64(e.Requests), Failures: uint64(e.Failures),
			Successes: uint64(e.Requests - e.Failures)}
	}
	n := uint64(max(e.Failures, consecutive))
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
	name string
	cfg  lb.OutlierConfig // in force

	mu   sync.Mutex
	at   time.Time   // when the last ejection started
	last lb.Ejection // the last ejection
}

func (b *ejectedBreaker) set(e lb.Ejection, at time.Time) {
	b.mu.Lock()
	b.at, b.last = at, e
	b.mu.Unlock()
}

// BreakerInfo implements introspect.BreakerSource. Its policy is the rule
// of the last ejection; its settings show both rules in force.
func (b *ejectedBreaker) BreakerInfo() introspect.Breaker {
	b.mu.Lock()
	at, e := b.at, b.last
	b.mu.Unlock()
	info := introspect.Breaker{
		Name:  b.name,
		State: introspect.StateClosed,
		Settings: introspect.BreakerSettings{
			Policy:              "consecutive",
			ConsecutiveFailures: uint64(b.cfg.Consecutive),
			ErrorRatio:          b.cfg.FailureRatio,
			MinRequests:         uint64(b.cfg.MinRequests),
			WindowNS:            int64(b.cfg.Window),
			OpenTimeoutNS:       int64(e.Until.Sub(at)),
		},
		LastTransition: e.Until.UTC(),
	}
	if e.Reason == lb.ReasonFailureRatio {
		info.Settings.Policy = "ratio"
	}
	if b.cfg.Now().Before(e.Until) {
		info.State = introspect.StateOpen
		info.LastTransition = at.UTC()
		info.Counts = countsOf(e, b.cfg.Consecutive)
		info.ErrorRatio = float64(info.Counts.Failures) / float64(max(info.Counts.Requests, 1))
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
