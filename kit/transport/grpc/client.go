package grpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/kitbench/kitbench/kit/endpoint"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// EncodeRequestFunc turns the endpoint's request into the gRPC request
// message.
type EncodeRequestFunc func(context.Context, any) (request any, err error)

// DecodeResponseFunc turns the gRPC reply message into the endpoint's
// response.
type DecodeResponseFunc func(context.Context, any) (response any, err error)

// ClientRequestFunc is a ClientBefore hook: it may add to the outgoing
// metadata, which starts as a copy of the metadata already in the context.
type ClientRequestFunc func(context.Context, *metadata.MD) context.Context

// ClientResponseFunc is a ClientAfter hook: it sees the response header and
// trailer of a successful call.
type ClientResponseFunc func(ctx context.Context, header metadata.MD, trailer metadata.MD) context.Context

// ErrClientConfig is wrapped by the error every call of a Client's endpoint
// returns when NewClient was given a nil connection, an empty service or
// method name, or a reply prototype that is not a non-nil pointer.
var ErrClientConfig = errors.New("kitgrpc: bad client configuration")

// Client turns one unary method of a remote gRPC service into an endpoint.
type Client struct {
	cc        grpc.ClientConnInterface
	method    string
	enc       EncodeRequestFunc
	dec       DecodeResponseFunc
	replyType reflect.Type
	before    []ClientRequestFunc
	after     []ClientResponseFunc
	callOpts  []grpc.CallOption
	err       error // configuration error, returned by every call
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// NewClient returns a Client for the method serviceName/method (e.g.
// "bookstore.v1.BookService", "GetBook") on cc. enc builds the request
// message and dec reads the reply; nil passes the value through unchanged.
// reply is a prototype of the reply message, such as (*bookpb.Book)(nil):
// each call allocates a fresh one of its type.
//
// NewClient does not fail: a bad argument makes every call return an error
// wrapping ErrClientConfig.
func NewClient(cc grpc.ClientConnInterface, serviceName, method string, enc EncodeRequestFunc, dec DecodeResponseFunc, reply any, opts ...ClientOption) *Client {
	c := &Client{
		cc:       cc,
		method:   "/" + strings.TrimPrefix(serviceName, "/") + "/" + method,
		enc:      enc,
		dec:      dec,
		callOpts: []grpc.CallOption{grpc.StaticMethod()},
	}
	for _, o := range opts {
		o(c)
	}
	t := reflect.TypeOf(reply)
	switch {
	case cc == nil || isNilConn(cc):
		c.err = fmt.Errorf("%w: nil connection", ErrClientConfig)
	case serviceName == "" || method == "":
		c.err = fmt.Errorf("%w: empty service or method name in %q", ErrClientConfig, c.method)
	case t == nil || t.Kind() != reflect.Pointer:
		c.err = fmt.Errorf("%w: reply prototype %T is not a pointer", ErrClientConfig, reply)
	default:
		c.replyType = t.Elem()
	}
	return c
}

func isNilConn(cc grpc.ClientConnInterface) bool {
	p, ok := cc.(*grpc.ClientConn)
	return ok && p == nil
}

// ClientBefore adds hooks that set outgoing metadata, in order. Without
// hooks the context's outgoing metadata is left untouched and not copied.
func ClientBefore(f ...ClientRequestFunc) ClientOption {
	return func(c *Client) { c.before = append(c.before, f...) }
}

// ClientAfter adds hooks that read the response header and trailer of a
// successful call, in order. Without hooks the header and trailer are not
// collected.
func ClientAfter(f ...ClientResponseFunc) ClientOption {
	return func(c *Client) { c.after = append(c.after, f...) }
}

// ClientCallOptions adds gRPC call options (grpc.WaitForReady,
// grpc.MaxCallRecvMsgSize, …) to every call.
func ClientCallOptions(opts ...grpc.CallOption) ClientOption {
	return func(c *Client) { c.callOpts = append(c.callOpts, opts...) }
}

// Method returns the full method name the client calls,
// "/package.Service/Method".
func (c *Client) Method() string { return c.method }

// Endpoint returns the endpoint that makes the call. A call that ends with a
// non-OK status returns an *Error; encode and decode errors are returned
// wrapped, with the method name.
func (c *Client) Endpoint() endpoint.Endpoint { return c.call }

func (c *Client) call(ctx context.Context, request any) (any, error) {
	if c.err != nil {
		return nil, c.err
	}
	req := request
	if c.enc != nil {
		var err error
		if req, err = c.enc(ctx, request); err != nil {
			return nil, fmt.Errorf("grpc %s: encode request: %w", c.method, err)
		}
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
	reply := reflect.New(c.replyType).Interface()
	if len(c.after) == 0 {
		if err := c.cc.Invoke(ctx, c.method, req, reply, c.callOpts...); err != nil {
			return nil, clientError(c.method, err)
		}
	} else {
		var header, trailer metadata.MD
		opts := append(c.callOpts[:len(c.callOpts):len(c.callOpts)], grpc.Header(&header), grpc.Trailer(&trailer))
		if err := c.cc.Invoke(ctx, c.method, req, reply, opts...); err != nil {
			return nil, clientError(c.method, err)
		}
		for _, f := range c.after {
			ctx = f(ctx, header, trailer)
		}
	}
	if c.dec == nil {
		return reply, nil
	}
	resp, err := c.dec(ctx, reply)
	if err != nil {
		return nil, fmt.Errorf("grpc %s: decode response: %w", c.method, err)
	}
	return resp, nil
}
