package fleetsim

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/transport"
)

// errSimulated is what a failing instance's endpoints return: a 500, so
// it counts as a failure for the breaker and the metrics alike.
var errSimulated = transport.NewError(500, "simulated failure")

// instance is one simulated service instance.
type instance struct {
	service, id string
	reg         *introspect.Registry
	handler     *introspect.Handler
	breaker     *circuitbreaker.Breaker
	endpoints   []endpoint.Endpoint
	failing     atomic.Bool // endpoints fail while set (Trip)
	failNext    atomic.Bool // the next call fails (FailEvery)
	calls       atomic.Uint64
	ln          *listener // where its admin handler is served
}

// endpointNames are the endpoints an instance serves, Book's names.
var endpointNames = []string{"GetBook", "ListBooks", "CreateBook", "DeleteBook"}

// newInstance builds one instance's registries, breaker and endpoints.
func newInstance(service, id string, endpoints int) (*instance, error) {
	in := &instance{service: service, id: id}
	in.reg = introspect.NewRegistry(introspect.Info{Service: service, InstanceID: id, Version: "sim", StartTime: time.Now()})
	prom := prometheus.NewRegistry()
	m, err := metrics.New(prom)
	if err != nil {
		return nil, fmt.Errorf("fleetsim: instance %s: %w", id, err)
	}
	if err := prom.Register(metrics.NewCollector(in.reg)); err != nil {
		return nil, fmt.Errorf("fleetsim: instance %s: %w", id, err)
	}
	in.breaker, err = circuitbreaker.New("store", circuitbreaker.WithRegistry(in.reg),
		circuitbreaker.ConsecutiveFailures(5), circuitbreaker.OpenTimeout(2*time.Second))
	if err != nil {
		return nil, fmt.Errorf("fleetsim: instance %s: %w", id, err)
	}
	call := func(context.Context, any) (any, error) {
		in.calls.Add(1)
		if in.failing.Load() || in.failNext.Swap(false) {
			return nil, errSimulated
		}
		return struct{}{}, nil
	}
	for i := range max(1, min(endpoints, len(endpointNames))) {
		name := endpointNames[i]
		in.reg.AddEndpoints(introspect.EndpointDoc{Name: name, Transport: "http", HTTPMethod: "GET", HTTPPath: "/v1/" + strconv.Itoa(i)})
		ep := m.Middleware(name, "http")(in.breaker.Middleware(call))
		in.endpoints = append(in.endpoints, ep)
	}
	in.handler = introspect.NewHandler(in.reg, introspect.WithMetrics(prom), introspect.WithRED(m))
	return in, nil
}

// callOnce calls endpoint i once, ignoring the outcome (the metrics and
// the breaker record it).
func (in *instance) callOnce(ctx context.Context, i int) {
	_, _ = in.endpoints[i%len(in.endpoints)](ctx, nil)
}

// close ends the instance's event streams.
func (in *instance) close() { _ = in.handler.Close() }
