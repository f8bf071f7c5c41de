package endpoint

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Stream is one streaming call as a StreamEndpoint sees it: the messages it
// receives (requests) and the messages it sends (responses). Transports
// implement it over their own stream (kit/transport/grpc over grpc-go's);
// middlewares wrap it to observe or refuse messages.
//
// Recv and Send may be called concurrently with each other (a bidirectional
// endpoint may read on one goroutine and write on another), but not each
// with itself. Both return promptly once the call's context ends.
type Stream interface {
	// Recv returns the next request message, io.EOF once the peer has sent
	// its last one, or another error when the stream failed.
	Recv() (any, error)
	// Send sends a response message. An error means the stream failed:
	// the endpoint should return it (or one wrapping it).
	Send(msg any) error
}

// StreamEndpoint is the streaming counterpart of Endpoint: one
// server-streaming, client-streaming or bidirectional call. It runs until
// the call is done; the error it returns ends the call with that error's
// status, and nil ends it with OK. ctx is the call's context: it ends when
// the caller cancels or its deadline passes.
type StreamEndpoint func(ctx context.Context, s Stream) error

// StreamMiddleware is a chainable behaviour modifier for stream endpoints.
// It sees the stream's start (its call), each message (by wrapping the
// Stream it passes on) and its end (the return).
type StreamMiddleware func(StreamEndpoint) StreamEndpoint

// ChainStream composes stream middlewares as Chain does endpoint
// middlewares: outer is the outermost, it sees the stream start first and
// end last, and its Stream wrapper is the one closest to the transport.
func ChainStream(outer StreamMiddleware, others ...StreamMiddleware) StreamMiddleware {
	return func(next StreamEndpoint) StreamEndpoint {
		for i := len(others) - 1; i >= 0; i-- {
			next = others[i](next)
		}
		return outer(next)
	}
}

// ErrNoRequest is wrapped by the error a ServerStream endpoint returns when
// the stream ended before its one request message arrived.
var ErrNoRequest = errors.New("endpoint: stream ended before its request")

// TypedStream is a Stream with concrete message types, handed to the
// functions that ClientStream and BidiStream adapt. A received message of
// another type than Req is an error wrapping ErrRequestType, never a
// panic; a pointer to a Req is dereferenced, as Typed does.
type TypedStream[Req, Resp any] struct{ s Stream }

// Recv returns the next request message, or io.EOF after the last one.
func (t TypedStream[Req, Resp]) Recv() (Req, error) {
	m, err := t.s.Recv()
	if err != nil {
		var zero Req
		return zero, err
	}
	return as[Req](m)
}

// Send sends a response message.
func (t TypedStream[Req, Resp]) Send(msg Resp) error { return t.s.Send(msg) }

// as converts a received message to Req, accepting Req and a non-nil *Req.
func as[Req any](m any) (Req, error) {
	if r, ok := m.(Req); ok {
		return r, nil
	}
	if p, ok := m.(*Req); ok && p != nil {
		return *p, nil
	}
	var zero Req
	return zero, fmt.Errorf("%w: got %T, want %T", ErrRequestType, m, zero)
}

// Sender sends the response messages of a server-streaming call.
type Sender[Resp any] struct{ s Stream }

// Send sends a response message. An error means the stream failed.
func (o Sender[Resp]) Send(msg Resp) error { return o.s.Send(msg) }

// ServerStream adapts a server-streaming function: it receives the one
// request message and sends its responses with out. A stream that ends
// before the request yields an error wrapping ErrNoRequest; a request of
// the wrong type one wrapping ErrRequestType.
func ServerStream[Req, Resp any](f func(ctx context.Context, req Req, out Sender[Resp]) error) StreamEndpoint {
	return func(ctx context.Context, s Stream) error {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return ErrNoRequest
		}
		if err != nil {
			return err
		}
		req, err := as[Req](m)
		if err != nil {
			return err
		}
		return f(ctx, req, Sender[Resp]{s})
	}
}

// ClientStream adapts a client-streaming function: it reads the request
// messages from its TypedStream until io.EOF and returns one response,
// which is sent before the stream ends. A function that returns an error
// sends nothing.
func ClientStream[Req, Resp any](f func(ctx context.Context, s TypedStream[Req, Resp]) (Resp, error)) StreamEndpoint {
	return func(ctx context.Context, s Stream) error {
		resp, err := f(ctx, TypedStream[Req, Resp]{s})
		if err != nil {
			return err
		}
		return s.Send(resp)
	}
}

// BidiStream adapts a bidirectional function, which reads and sends on its
// TypedStream in any order.
func BidiStream[Req, Resp any](f func(ctx context.Context, s TypedStream[Req, Resp]) error) StreamEndpoint {
	return func(ctx context.Context, s Stream) error { return f(ctx, TypedStream[Req, Resp]{s}) }
}
