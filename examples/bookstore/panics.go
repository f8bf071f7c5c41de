package bookstore

import (
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
)

// NewRecoveringGRPCServer returns a gRPC server whose every method — the Book
// service's, the health and reflection services', and the unary and
// stream interceptors given, the first outermost — recovers panics with
// p: the instance's kit/instance PanicPolicy, which logs to its logger,
// counts kit_panics_total on its /metrics and marks the call's span. (The kit
// Servers of the Book service recover their own with p as well, through
// the error encoder; these interceptors catch what runs outside them.)
func NewRecoveringGRPCServer(p *transport.PanicPolicy, unary []grpc.UnaryServerInterceptor, stream ...grpc.StreamServerInterceptor) *grpc.Server {
	return grpc.NewServer(
		grpc.ChainUnaryInterceptor(append([]grpc.UnaryServerInterceptor{kitgrpc.RecoverUnary(p)}, unary...)...),
		grpc.ChainStreamInterceptor(append([]grpc.StreamServerInterceptor{kitgrpc.RecoverStream(p)}, stream...)...))
}
