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
func (r *record) stats() (rate, errRatio float64, p99 int64, ok bool) {
	if r.metrics == nil || r.metrics.Err != "" || !r.metrics.Stats.Kit || r.metrics.Stats.Interval == 0 {
		return 0, 0, 0, false
	}
	s := r.metrics.Stats.Instance
	return s.Rate, s.ErrorRatio, int64(s.P99), true
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

// severity orders instances worst first: 0 is failing (down, critical,
// an open breaker), 1 degraded, 2 not yet known, 3 healthy.
func (r *record) severity() int {
	in := r.inst
	open, half, _ := r.breakerCounts()
	_, errRatio, _, _ := r.stats()
	switch {
	case in.State == hub.StateDown || in.Health == sd.HealthCritical || open > 0:
		return 0
	case in.Health == sd.HealthWarning || in.Stale || half > 0 || errRatio >= 0.05 || in.Err != "" || in.Intro == hub.IntroProtocol:
		return 1
	case in.State == hub.StateStarting || in.State == "":
		return 2
	}
	return 3
}
