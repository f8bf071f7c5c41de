package gateway

import (
	"log/slog"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/logging"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
)

// guarded builds the transport-independent part of every method's chain
// around the upstream calls: the gateway's rate limiter (shared), then one
// circuit breaker per method, named after the method it calls
// ("bookstore.GetBook"), counting calls that failed after their retries.
// Stream endpoints get the same (see guardedStreams), with the same
// limiter.
func guarded(cfg Config, reg *introspect.Registry, e bookstore.Endpoints, s bookstore.StreamEndpoints) (bookstore.Endpoints, bookstore.StreamEndpoints, error) {
	lim, err := ratelimit.NewErroring(ServiceName, cfg.RateLimit, cfg.Burst, ratelimit.WithRegistry(reg))
	if err != nil {
		return bookstore.Endpoints{}, bookstore.StreamEndpoints{}, err
	}
	var firstErr error
	out := e.Wrap(func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		br, err := circuitbreaker.New(cfg.Service+"."+method,
			circuitbreaker.ConsecutiveFailures(5),
			circuitbreaker.OpenTimeout(cfg.OpenTimeout),
			circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }),
			circuitbreaker.WithRegistry(reg))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return next
		}
		return lim.Middleware(br.Middleware(next))
	})
	if firstErr != nil {
		return bookstore.Endpoints{}, bookstore.StreamEndpoints{}, firstErr
	}
	streams, err := guardedStreams(cfg, reg, lim, s)
	return out, streams, err
}

// observed adds the per-transport part, outermost first: the server span
// (the parent of the retries' client spans), a log record and the RED
// metrics, labelled with the transport the gateway was called on.
func observed(e bookstore.Endpoints, transportName string, tp *tracing.Provider, m *metrics.Metrics, log *slog.Logger) bookstore.Endpoints {
	return e.Wrap(func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		return endpoint.Chain(
			tracing.Middleware(tp, ServiceName+"."+method),
			logging.New(log, method, bookstore.LogRedaction()),
			m.Middleware(method, transportName),
		)(next)
	})
}
