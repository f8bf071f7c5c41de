package thrift

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/kitbench/kitbench/kit/transport"
)

// ServerPanicPolicy sets what the Server does with a panic in a hook, the
// decoder, the endpoint or the encoder: the call fails with an error
// wrapping transport.ErrPanic, which the error encoder turns into the
// caller's internal error (DefaultErrorEncoder: a TApplicationException
// INTERNAL_ERROR with a generic message) and the error handler and
// finalizers see; p logs, counts and traces the panic (see
// transport.PanicPolicy: the stack, never the panic value unless asked).
// The method name comes from the SocketServer serving the call, and is
// "unknown" under another server. Nil, the default, is the default
// policy. Recovery cannot be turned off.
func ServerPanicPolicy(p *transport.PanicPolicy) ServerOption {
	return func(s *Server) { s.panics = p }
}

// callKey is the context key of a connection's *call.
type callKey struct{}

// call is what a SocketServer connection knows about the call it is
// serving; one per connection, reused call after call (a connection
// serves one call at a time).
type call struct {
	method   string
	observed bool      // the SocketServer has an Observe: kit Servers note how calls end in x
	seen     bool      // the call being served was observed
	proto    Protocol  // the connection's, for Observe
	start    time.Time // when the call being served was read, for Observe
	x        Exchange  // the call being served, for Observe
}

// methodOf is the Thrift method of the call in ctx, or "" when ctx does
// not come from a SocketServer.
func methodOf(ctx context.Context) string {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c.method
	}
	return ""
}

// nameCalls is a thrift.ProcessorMiddleware that tells the connection's
// call which method it is serving.
func nameCalls(name string, next thrift.TProcessorFunction) thrift.TProcessorFunction {
	return thrift.WrappedTProcessorFunction{Wrapped: func(ctx context.Context, seqID int32, in, out thrift.TProtocol) (bool, thrift.TException) {
		if c, ok := ctx.Value(callKey{}).(*call); ok {
			c.method = name
		}
		return next.Process(ctx, seqID, in, out)
	}}
}

// process runs one call of the processor, recovering a panic that no kit
// Server inside recovered (a handler written without one): the panic is
// recorded with the SocketServer's policy and the connection is closed,
// since the reply may be half written. The caller sees a broken
// connection, which kit's Client reports as unavailable (503).
func (s *SocketServer) process(ctx context.Context, c *call, in, out thrift.TProtocol) (ok bool, err thrift.TException) {
	c.method = ""
	defer func() {
		if v := recover(); v != nil {
			ok, err = false, thrift.WrapTException(fmt.Errorf("%w (connection closed)", s.cfg.Panics.Recovered(ctx, "thrift", c.method, v)))
		}
	}()
	return s.processor.Process(ctx, in, out)
}
