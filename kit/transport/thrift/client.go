package thrift

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/kitbench/kitbench/kit/endpoint"
)

// EncodeRequestFunc turns the endpoint's request into the Thrift request
// struct the generated client method takes.
type EncodeRequestFunc func(ctx context.Context, request any) (req any, err error)

// DecodeResponseFunc turns the Thrift result of the generated client method
// into the endpoint's response.
type DecodeResponseFunc func(ctx context.Context, resp any) (response any, err error)

// ClientRequestFunc is a ClientBefore hook: it sees the context and the
// Thrift request struct about to be sent, and may return a new context.
type ClientRequestFunc func(ctx context.Context, req any) context.Context

// ClientResponseFunc is a ClientAfter hook: it sees the Thrift result of a
// successful call, and may return a new context (which the decoder sees).
type ClientResponseFunc func(ctx context.Context, resp any) context.Context

// CallFunc makes one call of a generated client method over c. Method
// builds one from the generated constructor and method.
type CallFunc func(ctx context.Context, c thrift.TClient, req any) (resp any, err error)

// ErrClientConfig is wrapped by the error every call of a Client's endpoint
// returns when NewClient was given a nil thrift.TClient or CallFunc.
var ErrClientConfig = errors.New("kitthrift: bad client configuration")

// Method returns the CallFunc of one method of a Thrift-generated client:
// newClient is the generated constructor that takes a thrift.TClient and
// method is the method expression, for example
//
//	kitthrift.Method(bookthrift.NewBookServiceClient, (*bookthrift.BookServiceClient).GetBook)
//
// Each call builds a generated client value around c (one small
// allocation): generated clients record the last response's metadata in a
// field, so sharing one between goroutines would race. A request of
// another type than Req is an error wrapping endpoint.ErrRequestType.
func Method[C, Req, Resp any](newClient func(thrift.TClient) C, method func(C, context.Context, Req) (Resp, error)) CallFunc {
	return func(ctx context.Context, c thrift.TClient, req any) (any, error) {
		r, ok := req.(Req)
		if !ok {
			return nil, fmt.Errorf("%w: got %T, want %T", endpoint.ErrRequestType, req, r)
		}
		return method(newClient(c), ctx, r)
	}
}

// Client turns one method of a remote Thrift service into an endpoint.
type Client struct {
	tc     thrift.TClient
	call   CallFunc
	enc    EncodeRequestFunc
	dec    DecodeResponseFunc
	before []ClientRequestFunc
	after  []ClientResponseFunc
	err    error
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// ClientBefore adds hooks that run after encoding, before the call, in
// order.
func ClientBefore(f ...ClientRequestFunc) ClientOption {
	return func(c *Client) { c.before = append(c.before, f...) }
}

// ClientAfter adds hooks that run after a successful call, before
// decoding, in order.
func ClientAfter(f ...ClientResponseFunc) ClientOption {
	return func(c *Client) { c.after = append(c.after, f...) }
}

// NewClient returns a Client that calls call over tc: usually a *Pool
// (which is safe for concurrent use and bounds each call by its context)
// and a CallFunc made by Method. enc builds the Thrift request and dec
// reads the result; nil passes the value through unchanged.
//
// NewClient does not fail: a nil tc or call makes every call return an
// error wrapping ErrClientConfig.
func NewClient(tc thrift.TClient, call CallFunc, enc EncodeRequestFunc, dec DecodeResponseFunc, opts ...ClientOption) *Client {
	c := &Client{tc: tc, call: call, enc: enc, dec: dec}
	for _, o := range opts {
		o(c)
	}
	switch {
	case tc == nil || isNilPool(tc):
		c.err = fmt.Errorf("%w: nil thrift.TClient", ErrClientConfig)
	case call == nil:
		c.err = fmt.Errorf("%w: nil CallFunc", ErrClientConfig)
	}
	return c
}

func isNilPool(tc thrift.TClient) bool {
	p, ok := tc.(*Pool)
	return ok && p == nil
}

// Endpoint returns the endpoint that makes the call. A failed call returns
// an *Error (see its documentation for the meaning each failure gets);
// encode and decode errors are returned wrapped.
func (c *Client) Endpoint() endpoint.Endpoint { return c.do }

func (c *Client) do(ctx context.Context, request any) (any, error) {
	if c.err != nil {
		return nil, c.err
	}
	req := request
	if c.enc != nil {
		var err error
		if req, err = c.enc(ctx, request); err != nil {
			return nil, fmt.Errorf("kitthrift: encode request: %w", err)
		}
	}
	for _, f := range c.before {
		ctx = f(ctx, req)
	}
	resp, err := c.call(ctx, c.tc, req)
	if err != nil {
		if errors.Is(err, endpoint.ErrRequestType) {
			return nil, err
		}
		return nil, clientError(err)
	}
	for _, f := range c.after {
		ctx = f(ctx, resp)
	}
	if c.dec == nil {
		return resp, nil
	}
	out, err := c.dec(ctx, resp)
	if err != nil {
		return nil, fmt.Errorf("kitthrift: decode response: %w", err)
	}
	return out, nil
}
