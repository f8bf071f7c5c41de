package metrics

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/kitbench/kitbench/kit/introspect"
)

// RED returns the cumulative figures of every endpoint and transport the
// metrics have seen, for the admin handler's compact RED resource
// (introspect.WithRED): the same values /metrics exposes as RequestsTotal
// and RequestDuration, without the rest of the registry. It implements
// introspect.REDSource.
func (m *Metrics) RED() []introspect.REDEndpoint {
	type key struct{ endpoint, transport string }
	byKey := map[key]*introspect.REDEndpoint{}
	get := func(d *dto.Metric) *introspect.REDEndpoint {
		var k key
		for _, l := range d.GetLabel() {
			switch l.GetName() {
			case "endpoint":
				k.endpoint = l.GetValue()
			case "transport":
				k.transport = l.GetValue()
			}
		}
		e := byKey[k]
		if e == nil {
			e = &introspect.REDEndpoint{Endpoint: k.endpoint, Transport: k.transport, Codes: map[string]uint64{}}
			byKey[k] = e
		}
		return e
	}
	for d := range collect(m.requests, m.duration) {
		e := get(d)
		if c := d.GetCounter(); c != nil {
			for _, l := range d.GetLabel() {
				if l.GetName() == "code" {
					e.Codes[l.GetValue()] += uint64(c.GetValue())
				}
			}
			continue
		}
		if h := d.GetHistogram(); h != nil {
			e.Bounds, e.Counts = e.Bounds[:0], e.Counts[:0]
			for _, b := range h.GetBucket() {
				if math.IsInf(b.GetUpperBound(), 1) {
					continue
				}
				e.Bounds = append(e.Bounds, b.GetUpperBound())
				e.Counts = append(e.Counts, b.GetCumulativeCount())
			}
			e.Counts = append(e.Counts, h.GetSampleCount())
			e.SumSeconds = h.GetSampleSum()
		}
	}
	out := make([]introspect.REDEndpoint, 0, len(byKey))
	for _, e := range byKey {
		out = append(out, *e)
	}
	return out
}

// collect yields the written form of every metric of cs.
func collect(cs ...prometheus.Collector) func(yield func(*dto.Metric) bool) {
	return func(yield func(*dto.Metric) bool) {
		ch := make(chan prometheus.Metric, 64)
		go func() {
			for _, c := range cs {
				c.Collect(ch)
			}
			close(ch)
		}()
		stopped := false
		for pm := range ch { // drained to the end, so the collector returns
			if stopped {
				continue
			}
			var d dto.Metric
			if pm.Write(&d) == nil && !yield(&d) {
				stopped = true
			}
		}
	}
}
