package endpoint

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// Endpoint is the fundamental building block of servers and clients. It
// represents a single RPC method.
type Endpoint func(ctx context.Context, request any) (response any, err error)

// Nop is an Endpoint that does nothing: it returns an empty struct and a nil
// error. It is useful in tests and as a placeholder for a method that has
// no behaviour yet.
func Nop(context.Context, any) (any, error) { return struct{}{}, nil }

// Middleware is a chainable behaviour modifier for endpoints.
type Middleware func(Endpoint) Endpoint

// Chain is a helper function for composing middlewares. Requests traverse
// them in the order they are declared: outer is the outermost middleware,
// so it sees the request first and the response last.
func Chain(outer Middleware, others ...Middleware) Middleware {
	return func(next Endpoint) Endpoint {
		for i := len(others) - 1; i >= 0; i-- {
			next = others[i](next)
		}
		return outer(next)
	}
}

// Failer may be implemented by response types that carry a business error.
// Transports encode such responses normally; middlewares (metrics, circuit
// breakers) use Failed to count them as failures.
type Failer interface {
	// Failed returns the business error carried by the response, or nil.
	Failed() error
}

// ErrRequestType is wrapped by the error a Typed endpoint returns when it is
// handed a request of a type it does not accept.
var ErrRequestType = errors.New("endpoint: wrong request type")

// Typed adapts a function with concrete request and response types into an
// Endpoint. The request is converted with a type assertion; a request of
// another type yields an error wrapping ErrRequestType (never a panic). A
// pointer request whose element type is Req is dereferenced, so Typed[T]
// accepts both T and *T (a nil *T is refused). TypesOf reports Req and Resp
// of the endpoint it returns, so transports can describe it and check the
// decoder wired to it (it recognises the closure by Typed's name, so Typed
// is never inlined).
//
//go:noinline
func Typed[Req, Resp any](f func(context.Context, Req) (Resp, error)) Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		req, ok := request.(Req)
		if !ok {
			p, isPtr := request.(*Req)
			if !isPtr || p == nil {
				if tp, isProbe := request.(*typesProbe); isProbe && tp != nil {
					tp.req, tp.resp = reflect.TypeFor[Req](), reflect.TypeFor[Resp]()
					return nil, nil
				}
				var want Req
				return nil, fmt.Errorf("%w: got %T, want %T", ErrRequestType, request, want)
			}
			req = *p
		}
		return f(ctx, req)
	}
}
