package bookstore

import (
	"net/http"

	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/kit/introspect"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
)

// keepExchanges installs the instance's exchange ring (unless
// cfg.NoExchangeRing): around the router, innermost of the gRPC
// interceptors (unary and stream; thriftObserver gives it to the Thrift
// server), and in the introspection registry, where GET
// /debug/kit/v1/exchanges reads it. It returns the handler and the
// interceptors to serve.
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

// thriftMethods name the fields of book.thrift's messages in the ring.
var thriftMethods = []capture.ThriftMethod{
	{Name: MethodCreateBook, Args: new(bookthrift.BookServiceCreateBookArgs), Result: new(bookthrift.BookServiceCreateBookResult)},
	{Name: MethodGetBook, Args: new(bookthrift.BookServiceGetBookArgs), Result: new(bookthrift.BookServiceGetBookResult)},
	{Name: MethodListBooks, Args: new(bookthrift.BookServiceListBooksArgs), Result: new(bookthrift.BookServiceListBooksResult)},
	{Name: MethodDeleteBook, Args: new(bookthrift.BookServiceDeleteBookArgs), Result: new(bookthrift.BookServiceDeleteBookResult)},
}

// thriftObserver is the exchange ring's observer for the Thrift server,
// nil when the instance has no ring.
func (inst *Instance) thriftObserver() func(*kitthrift.Exchange) {
	if inst.Exchanges == nil {
		return nil
	}
	return inst.Exchanges.Thrift(thriftMethods...)
}
