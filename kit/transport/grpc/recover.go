package grpc

import (
	"context"

	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/grpc"
)

// ServerPanicPolicy sets what the Server does with a panic in a hook, the
// decoder, the endpoint or the encoder: the call is answered with Internal
// and a generic message (through the error encoder, with an error wrapping
// transport.ErrPanic that the error handler and finalizers also see), and
// p logs, counts and traces it. Nil, the default, is the default policy
// of transport.PanicPolicy. Recovery cannot be turned off.
func ServerPanicPolicy(p *transport.PanicPolicy) ServerOption {
	return func(s *Server) { s.panics = p }
}

// RecoverUnary returns a unary server interceptor that applies p to
// panics in handlers that no kit Server runs (a method written against
// grpc-go directly): the caller gets Internal with a generic message, the
// process goes on, and p logs, counts and traces the panic under the
// call's full method name. A nil p is the default policy.
//
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(kitgrpc.RecoverUnary(p)),
//		grpc.ChainStreamInterceptor(kitgrpc.RecoverStream(p)))
func RecoverUnary(p *transport.PanicPolicy) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if v := recover(); v != nil {
				resp, err = nil, DefaultErrorEncoder(ctx, p.Recovered(ctx, "grpc", info.FullMethod, v))
			}
		}()
		return h(ctx, req)
	}
}

// RecoverStream is RecoverUnary for streaming methods: a panicking stream
// handler ends its stream with Internal and a generic message, and the
// connection and the other streams go on.
func RecoverStream(p *transport.PanicPolicy) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
		defer func() {
			if v := recover(); v != nil {
				ctx := ss.Context()
				err = DefaultErrorEncoder(ctx, p.Recovered(ctx, "grpc", info.FullMethod, v))
			}
		}()
		return h(srv, ss)
	}
}

// methodOf is the full method name of the call in ctx, or "" outside a
// gRPC server.
func methodOf(ctx context.Context) string {
	m, _ := grpc.Method(ctx)
	return m
}
