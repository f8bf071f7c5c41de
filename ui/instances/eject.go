package instances

import (
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/components"
)

// outlierPrefix starts the name of the breaker a balancer shows an outlier
// ejection as: "outlier/SERVICE/INSTANCE", open while the instance is
// ejected (examples/gateway).
const outlierPrefix = "outlier/"

// target names an instance as an ejection breaker does: the service and
// the instance ID as the instance reports them.
type target struct{ service, id string }

// targetOf returns the instance an ejection breaker is about.
func targetOf(breaker string) (target, bool) {
	rest, ok := strings.CutPrefix(breaker, outlierPrefix)
	if !ok {
		return target{}, false
	}
	svc, id, ok := strings.Cut(rest, "/")
	if !ok || svc == "" || id == "" {
		return target{}, false
	}
	return target{svc, id}, true
}

// ejection is an open ejection of an instance by the instance holding the
// breaker.
type ejection struct {
	by    string    // the ejecting instance's ID
	until time.Time // when it returns to service; zero when not known
}

// ejectionOf returns the ejection an open outlier breaker of the instance
// by stands for. The breaker's open timeout is the ejection's length
// from its last transition.
func ejectionOf(by string, b wire.Breaker) (target, ejection, bool) {
	t, ok := targetOf(b.Name)
	if !ok || b.State != wire.StateOpen {
		return target{}, ejection{}, false
	}
	e := ejection{by: by}
	if !b.LastTransition.IsZero() && b.Settings.OpenTimeoutNS > 0 {
		e.until = b.LastTransition.Add(time.Duration(b.Settings.OpenTimeoutNS))
	}
	return t, e, true
}

// text is the ejection as a row or the detail shows it: "ejected by
// gateway-1 · 1m40s left".
func (e ejection) text(now time.Time) string {
	s := "ejected by " + e.by
	if !e.until.IsZero() {
		s += " · " + components.Countdown(now, e.until)
	}
	return s
}

// ejections finds every open ejection among the records' breakers, by the
// instance ejected. Cost: one pass over the breakers.
func ejections(recs map[hub.Key]*record) map[target]ejection {
	var out map[target]ejection
	for _, r := range recs {
		for _, b := range r.breakers {
			if t, e, ok := ejectionOf(r.inst.ID(), b); ok {
				if out == nil {
					out = map[target]ejection{}
				}
				if old, dup := out[t]; !dup || e.until.After(old.until) {
					out[t] = e
				}
			}
		}
	}
	return out
}

// targetFor is how an ejection breaker names inst.
func targetFor(inst hub.Instance) target { return target{inst.Name(), inst.ID()} }
