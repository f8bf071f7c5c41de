package breakers

import (
	"strings"

	"github.com/kitbench/kitbench/probes/hub"
)

// outlierPrefix starts the name of the breaker a balancer shows an outlier
// ejection as: "outlier/SERVICE/INSTANCE".
const outlierPrefix = "outlier/"

// figures is what the instances' metrics say of the calls behind each
// breaker: the latest MetricsUpdate per instance, and the instances by the
// names an ejection breaker uses for them.
type figures struct {
	metrics map[hub.Key]*hub.MetricsUpdate
	byName  map[[2]string]hub.Key // {service, instance ID} as the instance reports them
}

func newFigures() figures {
	return figures{metrics: map[hub.Key]*hub.MetricsUpdate{}, byName: map[[2]string]hub.Key{}}
}

func (f *figures) instance(in hub.Instance) { f.byName[[2]string{in.Name(), in.ID()}] = in.Key }

func (f *figures) gone(k hub.Key) {
	delete(f.metrics, k)
	for n, key := range f.byName {
		if key == k {
			delete(f.byName, n)
		}
	}
}

// of returns the latency figures of the calls a breaker guards: for a
// method's breaker ("GetBook", or "gateway.GetBook") the endpoint of that
// name on the breaker's instance, its slowest transport; for an ejection
// breaker the ejected instance as a whole. False when no metrics cover it.
func (f *figures) of(k hub.Key, breaker string) (hub.EndpointStats, bool) {
	if rest, ok := strings.CutPrefix(breaker, outlierPrefix); ok {
		svc, id, _ := strings.Cut(rest, "/")
		m := f.usable(f.byName[[2]string{svc, id}])
		if m == nil {
			return hub.EndpointStats{}, false
		}
		return m.Stats.Instance, true
	}
	m := f.usable(k)
	if m == nil {
		return hub.EndpointStats{}, false
	}
	var out hub.EndpointStats
	found := false
	for _, e := range m.Stats.Endpoints {
		if e.Endpoint == "" || (e.Endpoint != breaker && !strings.HasSuffix(breaker, "."+e.Endpoint)) {
			continue
		}
		if !found || e.P99 > out.P99 {
			out = e
		}
		found = true
	}
	return out, found
}

func (f *figures) usable(k hub.Key) *hub.MetricsUpdate {
	m := f.metrics[k]
	if m == nil || m.Err != "" || m.Stats.Interval == 0 {
		return nil
	}
	return m
}
