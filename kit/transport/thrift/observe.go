package thrift

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Exchange is one call a SocketServer served, as SocketConfig.Observe
// sees it: the request and the reply as they crossed the wire, in the
// connection's protocol, without their frame headers. It is the
// connection's own, reused call after call: an observer copies what it
// keeps before it returns, and never holds the Exchange or its slices.
type Exchange struct {
	// Method is the method the processor dispatched the call to; empty
	// when it knew none (the reply is then an UNKNOWN_METHOD exception).
	Method string
	// Protocol is the connection's protocol, Binary or Compact.
	Protocol Protocol
	// Start is when the request had been read; Duration how long the
	// call took from then until its reply was sent.
	Start    time.Time
	Duration time.Duration
	// Request is the request message; Reply the reply message, nil when
	// none was sent (a oneway call, a call whose client hung up, a
	// handler that panicked without a kit Server).
	Request, Reply []byte
	// Err is the error a kit Server's call failed with, before its
	// ErrorEncoder turned it into an exception (so transport.StatusOf
	// and transport.ReasonOf read it as for HTTP and gRPC); nil when the
	// call succeeded or no kit Server ran it.
	Err error
	// TraceID is the trace of the span in the context a kit Server's
	// finalizers saw, when it had one (a ServerBefore hook that started
	// or extracted it); zero otherwise: Thrift carries no headers.
	TraceID trace.TraceID
}

// noteCall tells the SocketServer connection serving ctx, when it has an
// observer, how a kit Server's call ended.
func noteCall(ctx context.Context, err error) {
	c, ok := ctx.Value(callKey{}).(*call)
	if !ok || !c.observed {
		return
	}
	c.x.Err = err
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		c.x.TraceID = sc.TraceID()
	}
}

// observeReply is the connection's frameConn.onFlush when it has an
// observer: it shows the call being served, with its reply, to the
// observer before the reply is sent, so that the call is observed before
// its client can make the next one.
func (s *SocketServer) observeReply(c *call, fc *frameConn) func(reply []byte) {
	return func(reply []byte) { s.observe(c, fc, reply) }
}

// observe hands the call being served on fc, whose reply is reply (nil:
// none), to the observer, once per call.
func (s *SocketServer) observe(c *call, fc *frameConn, reply []byte) {
	if c.seen {
		return
	}
	c.seen = true
	x := &c.x
	x.Method, x.Protocol, x.Start, x.Duration = c.method, c.proto, c.start, time.Since(c.start)
	x.Request, x.Reply = fc.rbuf, reply
	s.cfg.Observe(x)
	*x = Exchange{}
}
