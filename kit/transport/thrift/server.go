package thrift

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// DecodeRequestFunc turns the Thrift request struct a handler method
// received into the endpoint's request. An error is answered through the
// error encoder, like the endpoint's own errors.
type DecodeRequestFunc func(ctx context.Context, req any) (request any, err error)

// EncodeResponseFunc turns the endpoint's response into the Thrift result
// the handler method returns.
type EncodeResponseFunc func(ctx context.Context, resp any) (response any, err error)

// ServerRequestFunc is a ServerBefore hook. Thrift's binary and compact
// protocols carry no headers, so a hook sees the context and the Thrift
// request struct, and may return a context carrying what it derived.
type ServerRequestFunc func(ctx context.Context, req any) context.Context

// ServerResponseFunc is a ServerAfter hook: it runs after the endpoint
// succeeded, with the endpoint's response, and may return a new context
// (which the encoder and finalizers see).
type ServerResponseFunc func(ctx context.Context, resp any) context.Context

// ServerFinalizerFunc runs at the end of every call with the error the call
// failed with (before it was encoded), or nil.
type ServerFinalizerFunc func(ctx context.Context, err error)

// ErrResponseType is wrapped by the error Serve reports when the encoder
// produced a value of another type than the handler method returns.
var ErrResponseType = errors.New("kitthrift: wrong response type")

var errNoEndpoint = errors.New("kitthrift: server has no endpoint")

// Server turns one endpoint into one method of a Thrift-generated service
// handler. Call Serve (or ServeThrift) from the handler's method.
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
// through unchanged; a nil e answers every call with a generic
// TApplicationException.
func NewServer(e endpoint.Endpoint, dec DecodeRequestFunc, enc EncodeResponseFunc, opts ...ServerOption) *Server {
	s := &Server{e: e, dec: dec, enc: enc, errorEncoder: DefaultErrorEncoder}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ServerBefore adds hooks that run before decoding, in order.
func ServerBefore(f ...ServerRequestFunc) ServerOption {
	return func(s *Server) { s.before = append(s.before, f...) }
}

// ServerAfter adds hooks that run after the endpoint succeeded and before
// encoding, in order.
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

// ServerErrorEncoder replaces DefaultErrorEncoder; nil keeps it. This is
// where a service maps its errors to the exceptions its IDL declares.
func ServerErrorEncoder(ee ErrorEncoder) ServerOption {
	return func(s *Server) {
		if ee != nil {
			s.errorEncoder = ee
		}
	}
}

// ServeThrift runs one call: before hooks, decode, endpoint, after hooks,
// encode, then the finalizers. A failure returns the error encoder's error
// and a nil response.
func (s *Server) ServeThrift(ctx context.Context, req any) (any, error) {
	resp, ctx, err := s.serve(ctx, req)
	if err = s.finish(ctx, err); err != nil {
		return nil, err
	}
	return resp, nil
}

// Serve calls s and asserts the response type, so a method of a generated
// handler is one line:
//
//	func (h *handler) GetBook(ctx context.Context, r *bookthrift.GetBookRequest) (*bookthrift.Book, error) {
//		return kitthrift.Serve[*bookthrift.Book](ctx, h.get, r)
//	}
//
// A response of another type is answered as an internal error, and the
// error handler sees an error wrapping ErrResponseType.
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

// finish reports err to the error handler and the finalizers, and returns
// the encoded error (nil when err is nil). An error matching
// transport.ErrAbort becomes thrift.ErrAbandonRequest: the generated
// processor writes no reply, and the SocketServer closes the connection.
func (s *Server) finish(ctx context.Context, err error) error {
	var out error
	if err != nil {
		if s.errorHandler != nil {
			s.errorHandler(ctx, err)
		}
		if errors.Is(err, transport.ErrAbort) {
			out = fmt.Errorf("%w: %w", thrift.ErrAbandonRequest, err)
		} else if out = s.errorEncoder(ctx, err); out == nil {
			out = DefaultErrorEncoder(ctx, err)
		}
	}
	noteCall(ctx, err)
	for _, f := range s.finalizer {
		f(ctx, err)
	}
	return out
}

func (s *Server) serve(ctx context.Context, req any) (resp any, rctx context.Context, err error) {
	defer func() {
		if v := recover(); v != nil {
			resp, rctx, err = nil, ctx, s.panics.Recovered(ctx, "thrift", methodOf(ctx), v)
		}
	}()
	for _, f := range s.before {
		ctx = f(ctx, req)
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
	for _, f := range s.after {
		ctx = f(ctx, resp)
	}
	if s.enc != nil {
		if resp, err = s.enc(ctx, resp); err != nil {
			return nil, ctx, err
		}
	}
	return resp, ctx, nil
}
