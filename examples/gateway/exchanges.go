package gateway

import (
	"net/http"

	"github.com/kitbench/kitbench/kit/introspect"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
)

// keepExchanges installs the gateway's exchange ring (unless
// cfg.NoExchangeRing): around the router, as its gRPC interceptors (unary
// and stream), and in the introspection registry, where GET
// /debug/kit/v1/exchanges reads it. It returns the handler and the
// interceptors to serve.
func (g *Instance) keepExchanges(cfg Config, router *kithttp.Router, reg *introspect.Registry) (http.Handler, []grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor, error) {
	if cfg.NoExchangeRing {
		return router, nil, nil, nil
	}
	ring, err := capture.NewRing(capture.Options{Service: ServiceName, Instance: g.InstanceID,
		Name: capture.Names(router.Endpoints())}, capture.RingOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	g.Exchanges = ring
	reg.SetExchanges(ring)
	return ring.HTTP(router), []grpc.UnaryServerInterceptor{ring.Unary}, []grpc.StreamServerInterceptor{ring.Stream}, nil
}
