package grpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// DecodeRequestFunc turns a gRPC request message into the endpoint's
// request. An error that is not a client error (see DefaultErrorEncoder)
// is answered as Internal.
type DecodeRequestFunc func(context.Context, any) (request any, err error)

// EncodeResponseFunc turns the endpoint's response into the gRPC response
// message.
type EncodeResponseFunc func(context.Context, any) (response any, err error)

// ServerRequestFunc is a ServerBefore hook: it reads the incoming metadata
// and may return a context carrying what it found (a trace, a token).
type ServerRequestFunc func(context.Context, metadata.MD) context.Context

// ServerResponseFunc is a ServerAfter hook: it runs after the endpoint
// succeeded, may add to the response header and trailer (both non-nil), and
// may return a new context.
type ServerResponseFunc func(ctx context.Context, header *metadata.MD, trailer *metadata.MD) context.Context

// ServerFinalizerFunc runs at the end of every call with the error the call
// failed with (before it was encoded as a status), or nil.
type ServerFinalizerFunc func(ctx context.Context, err error)

// ErrResponseType is wrapped by the error Serve returns when the server's
// encoder produced a message of another type than the handler returns.
var ErrResponseType = errors.New("kitgrpc: wrong response type")

// Server turns one endpoint into a unary gRPC method. Call ServeGRPC from
// the method of a generated service implementation, or use Serve.
type Server struct {
	e            endpoint.Endpoint
	dec          DecodeRequestFunc
	enc          EncodeResponseFunc
	before       []ServerRequestFunc
	after        []ServerResponseFunc
	finalizer    []ServerFinalizerFunc
	errorHandler func(context.Context, error)
	errorEncoder ErrorEncoder
	panics       *transport.PanicPolicy
}

// ServerOption configures a Server.
type ServerOption func(*Server)

// NewServer returns a Server that decodes the request with dec, calls e,
// and encodes its response with enc. A nil dec or enc passes the value
// through unchanged; a nil e answers every call with Internal.
func NewServer(e endpoint.Endpoint, dec DecodeRequestFunc, enc EncodeResponseFunc, opts ...ServerOption) *Server {
	s := &Server{e: e, dec: dec, enc: enc, errorEncoder: DefaultErrorEncoder}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ServerBefore adds hooks that run before decoding, in order, with the
// incoming metadata. The metadata is read from the context only when there
// is at least one hook.
func ServerBefore(f ...ServerRequestFunc) ServerOption {
	return func(s *Server) { s.before = append(s.before, f...) }
}

// ServerAfter adds hooks that run after the endpoint succeeded and before
// encoding, in order. What they put in the header and trailer is sent.
func ServerAfter(f ...ServerResponseFunc) ServerOption {
	return func(s *Server) { s.after = append(s.after, f...) }
}

// ServerFinalizer adds functions that run at the end of every call.
func ServerFinalizer(f ...ServerFinalizerFunc) ServerOption {
	return func(s *Server) { s.finalizer = append(s.finalizer, f...) }
}

// ServerErrorHandler sets a function that sees every error a decoder,
// endpoint or encoder returns, for logging. Without it (nil) errors are
// only sent to the caller.
func ServerErrorHandler(h func(ctx context.Context, err error)) ServerOption {
	return func(s *Server) { s.errorHandler = h }
}

// ServerErrorEncoder replaces DefaultErrorEncoder; nil keeps it.
func ServerErrorEncoder(ee ErrorEncoder) ServerOption {
	return func(s *Server) {
		if ee != nil {
			s.errorEncoder = ee
		}
	}
}

var errNoEndpoint = errors.New("kitgrpc: server has no endpoint")

// ServeGRPC runs one call: before hooks, decode, endpoint, after hooks,
// encode, then the finalizers. A failure returns the error encoder's status
// error and a nil response.
func (s *Server) ServeGRPC(ctx context.Context, req any) (any, error) {
	resp, ctx, err := s.serve(ctx, req)
	if err = s.finish(ctx, err); err != nil {
		return nil, err
	}
	return resp, nil
}

// finish reports err to the error handler and the finalizers, and returns
// the encoded error (nil when err is nil).
func (s *Server) finish(ctx context.Context, err error) error {
	var out error
	if err != nil {
		if s.errorHandler != nil {
			s.errorHandler(ctx, err)
		}
		out = s.errorEncoder(ctx, err)
	}
	for _, f := range s.finalizer {
		f(ctx, err)
	}
	return out
}

func (s *Server) serve(ctx context.Context, req any) (resp any, rctx context.Context, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, rctx, err = nil, ctx, s.panics.Recovered(ctx, "grpc", methodOf(ctx), v)
		}
	}()
	if len(s.before) > 0 {
		md, ok := metadata.FromIncomingContext(ctx)
		if !ok {
			md = metadata.MD{}
		}
		for _, f := range s.before {
			ctx = f(ctx, md)
		}
	}
	if s.dec != nil {
		if req, err = s.dec(ctx, req); err != nil {
			return nil, ctx, err
		}
	}
	if s.e == nil {
		return nil, ctx, errNoEndpoint
	}
	resp, err = s.e(ctx, req)
	if err != nil {
		return nil, ctx, err
	}
	if len(s.after) > 0 {
		header, trailer := metadata.MD{}, metadata.MD{}
		for _, f := range s.after {
			ctx = f(ctx, &header, &trailer)
		}
		if len(header) > 0 {
			if err := grpc.SetHeader(ctx, header); err != nil {
				return nil, ctx, err
			}
		}
		if len(trailer) > 0 {
			if err := grpc.SetTrailer(ctx, trailer); err != nil {
				return nil, ctx, err
			}
		}
	}
	if s.enc != nil {
		if resp, err = s.enc(ctx, resp); err != nil {
			return nil, ctx, err
		}
	}
	return resp, ctx, nil
}

// Serve calls s.ServeGRPC and asserts the response type, so a generated
// service method is one line:
//
//	func (b *bookServer) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
//		return kitgrpc.Serve[*bookpb.Book](ctx, b.get, r)
//	}
//
// A response of another type is answered as Internal, and the error
// handler sees an error wrapping ErrResponseType.
func Serve[Resp any](ctx context.Context, s *Server, req any) (Resp, error) {
	resp, ctx, err := s.serve(ctx, req)
	r, ok := resp.(Resp)
	if err == nil && !ok {
		err = fmt.Errorf("%w: encoder returned %T, want %T", ErrResponseType, resp, r)
	}
	if err = s.finish(ctx, err); err != nil {
		var zero Resp
		return zero, err
	}
	return r, nil
}
