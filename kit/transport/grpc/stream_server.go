package grpc

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kitbench/kitbench/kit/endpoint"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// ErrStreamResponse is wrapped by the error a client-streaming endpoint's
// second Send returns: such a call answers with exactly one message.
var ErrStreamResponse = errors.New("kitgrpc: a client-streaming call sends one response")

// StreamServer turns one stream endpoint into a streaming gRPC method.
// Call ServeServerStream, ServeClientStream or ServeBidiStream from the
// method of a generated service implementation.
//
// It takes the unary Server's options with the same meaning: ServerBefore
// hooks run once, at the stream's start, with the incoming metadata;
// ServerAfter hooks run once the endpoint returned nil (see
// NewStreamServer); finalizers, the error handler, the error encoder and
// the panic policy see the stream's one outcome.
type StreamServer struct {
	cfg Server // hooks, codecs and policies; cfg.e is unused
	e   endpoint.StreamEndpoint
}

// NewStreamServer returns a StreamServer that runs e on each stream. dec
// converts every received message before the endpoint's Recv returns it
// and enc every message the endpoint sends; nil passes messages through
// unchanged. A nil e answers every stream with Internal.
//
// What ServerAfter hooks put in the header is sent as the header when the
// endpoint sent no message (the header has not gone out yet), and added to
// the trailer otherwise; what they put in the trailer is sent with the
// final status. An endpoint that wants a header before its first message
// sets it with grpc.SetHeader on its context.
func NewStreamServer(e endpoint.StreamEndpoint, dec DecodeRequestFunc, enc EncodeResponseFunc, opts ...ServerOption) *StreamServer {
	s := &StreamServer{e: e, cfg: Server{dec: dec, enc: enc, errorEncoder: DefaultErrorEncoder}}
	for _, o := range opts {
		o(&s.cfg)
	}
	return s
}

// Stream kinds, as the adapters serve them.
const (
	kindServer uint8 = iota // one request, many responses
	kindClient              // many requests, one response
	kindBidi
)

// streamCore is the part of a served stream that does not depend on the
// message types.
type streamCore struct {
	s    *StreamServer
	ctx  context.Context // the call's context after the before hooks
	ss   grpc.ServerStream
	kind uint8
	sent bool // a message went out, and the header with it
}

// serverStream is the endpoint.Stream a StreamServer hands its endpoint:
// one allocation per stream, none per message beyond the received message
// itself (which grpc-go's generated Recv allocates too).
type serverStream[Req, Resp any] struct {
	streamCore
	first *Req // server-streaming: the request, until Recv hands it out
}

func (a *serverStream[Req, Resp]) Recv() (any, error) {
	var m *Req
	if a.kind == kindServer {
		if a.first == nil {
			return nil, io.EOF
		}
		m, a.first = a.first, nil
	} else {
		m = new(Req)
		if err := a.ss.RecvMsg(m); err != nil {
			return nil, err
		}
	}
	if a.s.cfg.dec == nil {
		return m, nil
	}
	return a.s.cfg.dec(a.ctx, m)
}

func (a *serverStream[Req, Resp]) Send(msg any) error {
	if a.s.cfg.enc != nil {
		var err error
		if msg, err = a.s.cfg.enc(a.ctx, msg); err != nil {
			return err
		}
	}
	r, ok := msg.(*Resp)
	if !ok {
		return fmt.Errorf("%w: encoder returned %T, want %T", ErrResponseType, msg, r)
	}
	if a.kind == kindClient && a.sent {
		return ErrStreamResponse
	}
	a.sent = true
	return a.ss.SendMsg(r)
}

// ServeServerStream serves a server-streaming call: the endpoint's Recv
// returns req once, then io.EOF. A generated method is one line:
//
//	func (b *bookServer) WatchBooks(r *bookpb.WatchBooksRequest, ss grpc.ServerStreamingServer[bookpb.BookEvent]) error {
//		return kitgrpc.ServeServerStream(b.watch, r, ss)
//	}
func ServeServerStream[Req, Resp any](s *StreamServer, req *Req, ss grpc.ServerStreamingServer[Resp]) error {
	a := &serverStream[Req, Resp]{streamCore: streamCore{s: s, ss: ss, kind: kindServer}, first: req}
	return s.serve(&a.streamCore, a)
}

// ServeClientStream serves a client-streaming call: the endpoint receives
// until io.EOF and sends exactly one response (a second Send returns an
// error wrapping ErrStreamResponse). An endpoint that returns nil without
// sending leaves the client with an error, as grpc-go does.
func ServeClientStream[Req, Resp any](s *StreamServer, ss grpc.ClientStreamingServer[Req, Resp]) error {
	a := &serverStream[Req, Resp]{streamCore: streamCore{s: s, ss: ss, kind: kindClient}}
	return s.serve(&a.streamCore, a)
}

// ServeBidiStream serves a bidirectional call. The endpoint may Recv and
// Send from two goroutines of its own.
func ServeBidiStream[Req, Resp any](s *StreamServer, ss grpc.BidiStreamingServer[Req, Resp]) error {
	a := &serverStream[Req, Resp]{streamCore: streamCore{s: s, ss: ss, kind: kindBidi}}
	return s.serve(&a.streamCore, a)
}

// serve runs the stream and returns the encoded error (nil on success).
func (s *StreamServer) serve(c *streamCore, st endpoint.Stream) error {
	ctx, err := s.run(c, st)
	return s.cfg.finish(ctx, err)
}

func (s *StreamServer) run(c *streamCore, st endpoint.Stream) (ctx context.Context, err error) {
	ctx = c.ss.Context()
	defer func() {
		if v := recover(); v != nil {
			err = s.cfg.panics.Recovered(ctx, "grpc", methodOf(ctx), v)
		}
	}()
	if len(s.cfg.before) > 0 {
		md, ok := metadata.FromIncomingContext(ctx)
		if !ok {
			md = metadata.MD{}
		}
		for _, f := range s.cfg.before {
			ctx = f(ctx, md)
		}
	}
	c.ctx = ctx
	if s.e == nil {
		return ctx, errNoEndpoint
	}
	if err = s.e(ctx, st); err != nil {
		return ctx, err
	}
	if len(s.cfg.after) > 0 {
		header, trailer := metadata.MD{}, metadata.MD{}
		for _, f := range s.cfg.after {
			ctx = f(ctx, &header, &trailer)
		}
		if len(header) > 0 {
			if c.sent {
				trailer = metadata.Join(trailer, header)
			} else if err := c.ss.SetHeader(header); err != nil {
				return ctx, err
			}
		}
		if len(trailer) > 0 {
			c.ss.SetTrailer(trailer)
		}
	}
	return ctx, nil
}
