package grpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/kitbench/kitbench/kit/endpoint"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// StreamClient turns one streaming method of a remote gRPC service into a
// stream endpoint. The endpoint's Stream is the caller's side: the endpoint
// receives from it the messages to send to the server, and sends on it the
// messages the server answers with. A gateway therefore proxies a stream by
// serving the client's endpoint with a StreamServer, and a caller of its
// own hands it a Stream over its messages.
type StreamClient struct {
	c    *Client
	desc grpc.StreamDesc
}

// NewStreamClient returns a StreamClient for the streaming method named
// method of the service sd describes (the generated ServiceDesc, such as
// &bookpb.BookService_ServiceDesc), whose StreamDesc says the kind of
// stream. enc converts each message the caller sends and dec each message
// the server sends; nil passes them through unchanged. reply is a prototype
// of the server's message, such as (*bookpb.BookEvent)(nil). It takes the
// unary Client's options: ClientBefore hooks set the metadata sent at the
// stream's start, ClientAfter hooks see the header and trailer of a stream
// that ended with OK.
//
// NewStreamClient does not fail: a bad argument, or a method sd does not
// list among its streams, makes every call return an error wrapping
// ErrClientConfig.
func NewStreamClient(cc grpc.ClientConnInterface, sd *grpc.ServiceDesc, method string, enc EncodeRequestFunc, dec DecodeResponseFunc, reply any, opts ...ClientOption) *StreamClient {
	service := ""
	if sd != nil {
		service = sd.ServiceName
	}
	sc := &StreamClient{c: NewClient(cc, service, method, enc, dec, reply, opts...)}
	found := false
	if sd != nil {
		for _, d := range sd.Streams {
			if d.StreamName == method {
				sc.desc, found = d, true
				break
			}
		}
	}
	if !found && sc.c.err == nil {
		sc.c.err = fmt.Errorf("%w: %q is not a streaming method of the service description", ErrClientConfig, method)
	}
	return sc
}

// Method returns the full method name the client calls.
func (sc *StreamClient) Method() string { return sc.c.method }

// Endpoint returns the stream endpoint that makes the call. It returns nil
// when the server ended the stream with OK; an *Error with the server's
// status otherwise; the caller's own error when its Stream's Recv or Send
// failed (the call is then cancelled); and errors wrapping
// endpoint.ErrNoRequest, encode or decode failures with the method name.
//
// Server-streaming and client-streaming calls run on the caller's
// goroutine. A bidirectional call forwards the caller's messages from one
// goroutine of its own, which ends when the caller's Recv returns: the
// endpoint returns as soon as the server ended the stream, and a Recv of
// the caller's still blocked then ends with the caller's stream.
func (sc *StreamClient) Endpoint() endpoint.StreamEndpoint { return sc.call }

func (sc *StreamClient) call(ctx context.Context, s endpoint.Stream) error {
	c := sc.c
	if c.err != nil {
		return c.err
	}
	if len(c.before) > 0 {
		md, ok := metadata.FromOutgoingContext(ctx)
		if !ok {
			md = metadata.MD{}
		}
		for _, f := range c.before {
			ctx = f(ctx, &md)
		}
		ctx = metadata.NewOutgoingContext(ctx, md)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream, whatever happened, so grpc-go frees it
	var first any
	if !sc.desc.ClientStreams {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("grpc %s: %w", c.method, endpoint.ErrNoRequest)
		}
		if err != nil {
			return err
		}
		if first, err = sc.encode(ctx, m); err != nil {
			return err
		}
	}
	cs, err := c.cc.NewStream(ctx, &sc.desc, c.method, c.callOpts...)
	if err != nil {
		return clientError(c.method, err)
	}
	switch {
	case !sc.desc.ClientStreams:
		if err := cs.SendMsg(first); err != nil && !errors.Is(err, io.EOF) {
			return clientError(c.method, err)
		}
		if err := cs.CloseSend(); err != nil {
			return clientError(c.method, err)
		}
	case !sc.desc.ServerStreams:
		if err := sc.forward(ctx, s, cs); err != nil {
			return err
		}
	default:
		errc := make(chan error, 1)
		go func() {
			err := sc.forward(ctx, s, cs)
			errc <- err
			if err != nil {
				cancel()
			}
		}()
		return sc.receive(ctx, s, cs, errc)
	}
	return sc.receive(ctx, s, cs, nil)
}

// encode converts a caller's message into the request message.
func (sc *StreamClient) encode(ctx context.Context, m any) (any, error) {
	if sc.c.enc == nil {
		return m, nil
	}
	req, err := sc.c.enc(ctx, m)
	if err != nil {
		return nil, fmt.Errorf("grpc %s: encode request: %w", sc.c.method, err)
	}
	return req, nil
}

// forward sends the caller's messages until its Recv reports io.EOF, then
// half-closes. A server that ended the stream makes SendMsg report io.EOF;
// forward then stops, and the status comes from RecvMsg.
func (sc *StreamClient) forward(ctx context.Context, s endpoint.Stream, cs grpc.ClientStream) error {
	for {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			if err := cs.CloseSend(); err != nil {
				return clientError(sc.c.method, err)
			}
			return nil
		}
		if err != nil {
			return err
		}
		req, err := sc.encode(ctx, m)
		if err != nil {
			return err
		}
		if err := cs.SendMsg(req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return clientError(sc.c.method, err)
		}
	}
}

// receive hands the server's messages to the caller until the stream ends.
// errc, for a bidirectional call, reports the forwarding goroutine's
// outcome: its error, when it failed, is the call's.
func (sc *StreamClient) receive(ctx context.Context, s endpoint.Stream, cs grpc.ClientStream, errc chan error) error {
	c := sc.c
	for {
		reply := reflect.New(c.replyType).Interface()
		err := cs.RecvMsg(reply)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			select {
			case ferr := <-errc: // nil errc never delivers
				if ferr != nil {
					return ferr
				}
			default:
			}
			return clientError(c.method, err)
		}
		resp := reply
		if c.dec != nil {
			if resp, err = c.dec(ctx, reply); err != nil {
				return fmt.Errorf("grpc %s: decode response: %w", c.method, err)
			}
		}
		if err := s.Send(resp); err != nil {
			return err
		}
		if !sc.desc.ServerStreams {
			break // RecvMsg of a client-streaming call has checked the end
		}
	}
	if len(c.after) > 0 {
		header, _ := cs.Header() // the stream has ended: no wait, and an error only means no header
		trailer := cs.Trailer()
		for _, f := range c.after {
			ctx = f(ctx, header, trailer)
		}
	}
	return nil
}
