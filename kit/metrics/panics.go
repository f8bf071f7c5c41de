package metrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// PanicsTotal is the name of the counter of panics that kit servers
// recovered, labelled by endpoint and transport.
const PanicsTotal = "kit_panics_total"

// PanicCounter is the Prometheus counter kit_panics_total{endpoint,transport}:
// a transport.PanicCounter for transport.PanicPolicy.Counter.
type PanicCounter struct{ vec *prometheus.CounterVec }

// NewPanicCounter registers kit_panics_total with reg, the service's own
// registry, or returns the counter reg already holds under that name. A
// nil reg is an error: kit never falls back to the process-global
// registry.
func NewPanicCounter(reg prometheus.Registerer) (*PanicCounter, error) {
	if reg == nil {
		return nil, errors.New("metrics: NewPanicCounter needs the service's prometheus.Registerer, got nil")
	}
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: PanicsTotal,
		Help: "Panics recovered in handlers, by endpoint and transport.",
	}, []string{"endpoint", "transport"})
	if err := reg.Register(vec); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return &PanicCounter{vec: existing}, nil
			}
		}
		return nil, fmt.Errorf("metrics: registering %s: %w", PanicsTotal, err)
	}
	return &PanicCounter{vec: vec}, nil
}

// CountPanic implements transport.PanicCounter. endpoint must come from a
// fixed set (transport.PanicPolicy.Recovered passes a route pattern or a
// registered method), since it is a label.
func (c *PanicCounter) CountPanic(endpoint, transportName string) {
	c.vec.WithLabelValues(endpoint, transportName).Inc()
}
