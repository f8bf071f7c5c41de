package bookstore

import (
	"net/http"

	"github.com/kitbench/kitbench/kit/introspect"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
)

// keepExchanges installs the instance's exchange ring (unless
// cfg.NoExchangeRing): around the router, innermost of the gRPC
// interceptors (unary and stream), and in the introspection registry,
// where GET /debug/kit/v1/exchanges reads it. It returns the handler and
// the interceptors to serve.
func (inst *Instance) keepExchanges(cfg Config, router *kithttp.Router, reg *introspect.Registry) (http.Handler, []grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor, error) {
	if cfg.NoExchangeRing {
		return router, cfg.GRPCInterceptors, nil, nil
	}
	ring, err := capture.NewRing(capture.Options{Service: ServiceName, Instance: inst.InstanceID,
		Name: capture.Names(router.Endpoints())}, capture.RingOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	inst.Exchanges = ring
	reg.SetExchanges(ring)
	ics := append(cfg.GRPCInterceptors[:len(cfg.GRPCInterceptors):len(cfg.GRPCInterceptors)], ring.Unary)
	return ring.HTTP(router), ics, []grpc.StreamServerInterceptor{ring.Stream}, nil
}
