package http

import (
	"context"
	"net/http"

	"github.com/kitbench/kitbench/kit/transport"
)

// ServerPanicPolicy sets what the Server does with a panic in a hook, the
// decoder, the endpoint or the encoder: p logs, counts and traces it (see
// transport.PanicPolicy; the stack, never the panic value unless asked),
// and the client gets a 500 through the ErrorEncoder, with an error
// wrapping transport.ErrPanic and no text of the panic's. Nil, the
// default, is the default policy. Recovery cannot be turned off.
//
// A panic with http.ErrAbortHandler is not recovered: it keeps its meaning
// for net/http, which aborts the response without logging. A panic in an
// encoder that may already have written the response (one the Server
// cannot see, without finalizers) is recorded and then aborts the response
// the same way, rather than append an error to a half-written body.
func ServerPanicPolicy(p *transport.PanicPolicy) ServerOption {
	return func(s *Server) { s.panics = p }
}

// recovered answers the request whose handler panicked with v. encoding
// says the panic came from the encoder, which may have written.
func (s *Server) recovered(ctx context.Context, w http.ResponseWriter, r *http.Request, v any, encoding bool) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	err := s.panics.Recovered(ctx, "http", r.Pattern, v)
	if encoding {
		if cw, ok := w.(*codeWriter); !ok || cw.written {
			panic(http.ErrAbortHandler)
		}
	}
	s.fail(ctx, err, w)
}

// RouterPanicPolicy sets what a Router does with a panic in a handler that
// does not recover by itself (one that is not a Server): p logs, counts
// and traces it, and the response is aborted (net/http closes the
// connection, or resets the HTTP/2 stream), since whatever the handler
// wrote cannot be taken back. Nil, the default, is the default policy of
// transport.PanicPolicy. A panic with http.ErrAbortHandler passes through
// untouched.
func RouterPanicPolicy(p *transport.PanicPolicy) RouterOption {
	return func(rt *Router) { rt.panics = p }
}

// RouterOption configures a Router.
type RouterOption func(*Router)

// recoverRouted is deferred by a route's handler: it records a panic with
// the Router's policy and aborts the response.
func (rt *Router) recoverRouted(r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v != http.ErrAbortHandler {
		_ = rt.panics.Recovered(r.Context(), "http", r.Pattern, v)
	}
	panic(http.ErrAbortHandler)
}
