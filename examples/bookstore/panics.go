package bookstore

import (
	"log/slog"

	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// PanicPolicy is what an instance does with a panic recovered in a
// handler, on every transport: it logs the stack to log (the instance's
// own logger, never slog.Default()) and counts the panic as
// kit_panics_total{endpoint,transport} on reg, the instance's own
// Prometheus registry, which its /metrics serves. The gateway uses it too.
func PanicPolicy(reg prometheus.Registerer, log *slog.Logger) (*transport.PanicPolicy, error) {
	c, err := metrics.NewPanicCounter(reg)
	if err != nil {
		return nil, err
	}
	return &transport.PanicPolicy{Logger: log, Counter: c, MarkSpan: tracing.MarkPanicked}, nil
}

// NewRecoveringGRPCServer returns a gRPC server whose every method — the Book
// service's, the health and reflection services', and the interceptors
// given, the first outermost — recovers panics with p. (The kit Servers of
// the Book service recover their own with p as well, through the error
// encoder; these interceptors catch what runs outside them.)
func NewRecoveringGRPCServer(p *transport.PanicPolicy, interceptors ...grpc.UnaryServerInterceptor) *grpc.Server {
	return grpc.NewServer(
		grpc.ChainUnaryInterceptor(append([]grpc.UnaryServerInterceptor{kitgrpc.RecoverUnary(p)}, interceptors...)...),
		grpc.ChainStreamInterceptor(kitgrpc.RecoverStream(p)))
}
