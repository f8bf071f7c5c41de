package instances

import (
	"maps"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
)

// record is what the views know about one instance.
type record struct {
	inst     hub.Instance
	breakers map[string]wire.Breaker
	limiters map[string]wire.Limiter
	metrics  *hub.MetricsUpdate
	problem  string // the last Problem report
}

func newRecord(k hub.Key) *record {
	return &record{inst: hub.Instance{Key: k}, breakers: map[string]wire.Breaker{}, limiters: map[string]wire.Limiter{}}
}

// fromState builds a record from a snapshot's instance.
func fromState(s hub.InstanceState) *record {
	r := newRecord(s.Key)
	r.inst, r.metrics = s.Instance, s.Metrics
	for _, b := range s.Breakers {
		r.breakers[b.Name] = b
	}
	for _, l := range s.Limiters {
		r.limiters[l.Name] = l
	}
	return r
}

// clone copies r, maps included, for a view of its own.
func (r *record) clone() *record {
	c := *r
	c.breakers, c.limiters = maps.Clone(r.breakers), maps.Clone(r.limiters)
	return &c
}

// apply updates r with a message about its instance.
func (r *record) apply(m hub.Msg) {
	switch m := m.(type) {
	case hub.InstanceUpdate:
		r.inst = m.Instance
	case hub.BreakerUpdate:
		r.breakers[m.Breaker.Name] = m.Breaker
	case hub.LimiterUpdate:
		r.limiters[m.Limiter.Name] = m.Limiter
	case hub.MetricsUpdate:
		r.metrics = &m
	case hub.Problem:
		r.problem = m.Err
	}
}

// stats returns the instance-wide metrics, false when there are none.
// Its FailureRatio is the share to judge the instance by: client errors
// (4xx) are the callers' doing, as the breakers and ejection count them.
func (r *record) stats() (hub.EndpointStats, bool) {
	if r.metrics == nil || r.metrics.Err != "" || !r.metrics.Stats.Kit || r.metrics.Stats.Interval == 0 {
		return hub.EndpointStats{}, false
	}
	return r.metrics.Stats.Instance, true
}

// breakerCounts counts the breakers by state.
func (r *record) breakerCounts() (open, half, total int) {
	for _, b := range r.breakers {
		switch b.State {
		case wire.StateOpen:
			open++
		case wire.StateHalfOpen:
			half++
		}
	}
	return open, half, len(r.breakers)
}

// ownTrouble counts the open and half-open breakers that speak of this
// instance's own calls: an open ejection breaker (outlier/...) speaks of
// the instance it ejected, which sorts as failing in its stead.
func (r *record) ownTrouble() (open, half int) {
	for _, b := range r.breakers {
		if _, ok := targetOf(b.Name); ok {
			continue
		}
		switch b.State {
		case wire.StateOpen:
			open++
		case wire.StateHalfOpen:
			half++
		}
	}
	return open, half
}

// Grades of an instance, worst first; the list sorts by them.
const (
	gradeFailing  = iota // down, critical, an open breaker, ejected
	gradeDegraded        // warning, stale, half-open, failing calls, a probe error
	gradeUnknown         // not yet probed
	gradeHealthy
)

// failingShare is the failure ratio from which an instance is degraded.
const failingShare = 0.05

// severity grades the instance; ejected says whether a balancer has
// ejected it.
func (r *record) severity(ejected bool) int {
	in := r.inst
	open, half := r.ownTrouble()
	st, _ := r.stats()
	switch {
	case in.State == hub.StateDown || in.Health == sd.HealthCritical || open > 0 || ejected:
		return gradeFailing
	case in.Health == sd.HealthWarning || in.Stale || half > 0 || st.FailureRatio >= failingShare || in.Err != "" || in.Intro == hub.IntroProtocol:
		return gradeDegraded
	case in.State == hub.StateStarting || in.State == "":
		return gradeUnknown
	}
	return gradeHealthy
}
