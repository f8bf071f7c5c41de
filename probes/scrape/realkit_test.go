package scrape

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/transport"
)

// realKit is one endpoint instrumented by kit/metrics, whose calls
// succeed or fail on demand.
type realKit struct{ okEP, failEP endpoint.Endpoint }

func newRealKitMetrics(reg prometheus.Registerer) (*realKit, error) {
	m, err := metrics.New(reg)
	if err != nil {
		return nil, err
	}
	mw := m.Middleware("GetBook", "http")
	return &realKit{
		okEP: mw(endpoint.Nop),
		failEP: mw(func(context.Context, any) (any, error) {
			return nil, &transport.Error{Status: 503, Msg: "down"}
		}),
	}, nil
}

func (k *realKit) ok(n int) {
	for range n {
		_, _ = k.okEP(context.Background(), nil)
	}
}

func (k *realKit) fail(n int) {
	for range n {
		_, _ = k.failEP(context.Background(), nil)
	}
}
