package http

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/kitbench/kitbench/kit/introspect/schema"
	"github.com/kitbench/kitbench/kit/transport"
)

// Router is a thin layer over http.ServeMux (Go 1.22 patterns, with
// {name} wildcards read by r.PathValue) that answers its misses in JSON —
// 404 for an unknown route, 405 with an Allow header for a known route and
// the wrong method — and remembers its routes by endpoint name for the
// introspection protocol. The zero Router is not usable; call NewRouter.
type Router struct {
	mux    *http.ServeMux
	panics *transport.PanicPolicy
	mu     sync.Mutex
	docs   []schema.EndpointDoc
}

// NewRouter returns an empty Router.
func NewRouter(opts ...RouterOption) *Router {
	rt := &Router{mux: http.NewServeMux()}
	for _, o := range opts {
		o(rt)
	}
	return rt
}

// Handle routes method requests for pattern (a ServeMux path pattern such
// as "/books/{id}", without method or host) to h, under the endpoint name
// name. A GET route also answers HEAD. Handle returns an error wrapping
// ErrBadRoute, and registers nothing, when name or method is empty, the
// method is not an HTTP token, the pattern is invalid, or it conflicts with
// a route already registered, or when h is a *Server whose decoder and
// endpoint disagree on the request type (ErrTypeMismatch). A *Server whose
// types are known (Server.RequestType) is published with its request and
// response fields and a request template.
func (rt *Router) Handle(name, method, pattern string, h http.Handler) (err error) {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty endpoint name for %s %s", ErrBadRoute, method, pattern)
	case !isToken(method):
		return fmt.Errorf("%w: method %q is not an HTTP method", ErrBadRoute, method)
	case !strings.HasPrefix(pattern, "/"):
		return fmt.Errorf("%w: pattern %q must start with /", ErrBadRoute, pattern)
	case h == nil:
		return fmt.Errorf("%w: nil handler for %s %s", ErrBadRoute, method, pattern)
	}
	doc := schema.EndpointDoc{Name: name, Transport: "http", HTTPMethod: method, HTTPPath: pattern}
	if srv, ok := h.(*Server); ok {
		if srv.wiring != nil {
			return fmt.Errorf("%w: %s %s (%s): %w", ErrBadRoute, method, pattern, name, srv.wiring)
		}
		describeServer(&doc, srv)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	defer func() {
		// ServeMux panics on invalid or conflicting patterns.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s %s: %v", ErrBadRoute, method, pattern, p)
		}
	}()
	rt.mux.Handle(method+" "+pattern, routed{h, rt})
	rt.docs = append(rt.docs, doc)
	return nil
}

// Endpoints lists the routes in the order they were added.
func (rt *Router) Endpoints() []schema.EndpointDoc {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.docs)
}

// ServeHTTP implements http.Handler. The request is looked up once, by
// ServeMux.ServeHTTP (which also sets r.Pattern and the path values). It
// sees a missWriter, which a route's handler unwraps at once, so handlers
// get w itself; only ServeMux's own answers (a redirect, a 404, a 405) are
// written through it, and the 404s and 405s are replaced by JSON errors.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mw := missWriters.Get().(*missWriter)
	mw.w = w
	rt.mux.ServeHTTP(mw, r)
	status, allow := mw.status, mw.h.Get("Allow")
	*mw = missWriter{}
	missWriters.Put(mw)
	if status == 0 { // routed, or a redirect ServeMux wrote through
		return
	}
	err := &routeError{status: http.StatusNotFound, msg: "no route for " + r.Method + " " + r.URL.Path}
	if status == http.StatusMethodNotAllowed {
		err = &routeError{
			status: http.StatusMethodNotAllowed,
			msg:    "method " + r.Method + " not allowed for " + r.URL.Path + "; allowed: " + allow,
			allow:  allow,
		}
	}
	st := &requestState{Context: r.Context()}
	st.hdr[hdrRequestID] = st.requestID(r)
	w.Header().Set(RequestIDHeader, st.hdr[hdrRequestID])
	DefaultErrorEncoder(st, err, w)
}

// routed is a route's handler as the Router registers it: it hands the
// handler the ResponseWriter the Router was given, unwrapped, so that
// http.ResponseController and interface checks see the server's own, and
// records a panic the handler did not recover.
type routed struct {
	h  http.Handler
	rt *Router
}

func (rh routed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if mw, ok := w.(*missWriter); ok {
		w = mw.w
	}
	defer rh.rt.recoverRouted(r)
	rh.h.ServeHTTP(w, r)
}

// missWriters recycles missWriters: one per request would be the Router's
// only allocation.
var missWriters = sync.Pool{New: func() any { return new(missWriter) }}

// missWriter is what ServeMux writes to when no route's handler takes the
// request. A 404 or 405 is kept (status, with the Allow header in h) for
// ServeHTTP to answer in JSON; any other answer (a redirect, a 400) is
// passed on to w with the headers set for it.
type missWriter struct {
	w      http.ResponseWriter
	h      http.Header
	status int  // 404 or 405, kept
	passed bool // another status, written to w
}

func (m *missWriter) Header() http.Header {
	if m.h == nil {
		m.h = make(http.Header)
	}
	return m.h
}

func (m *missWriter) WriteHeader(code int) {
	switch {
	case m.passed || m.status != 0:
		return
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		m.status = code
		return
	}
	m.passed = true
	dst := m.w.Header()
	for k, v := range m.h {
		dst[k] = v
	}
	m.w.WriteHeader(code)
}

func (m *missWriter) Write(b []byte) (int, error) {
	m.WriteHeader(http.StatusOK)
	if !m.passed {
		return len(b), nil // the body of a kept 404 or 405
	}
	return m.w.Write(b)
}

// routeError is a Router's 404 or 405.
type routeError struct {
	status int
	msg    string
	allow  string
}

func (e *routeError) Error() string   { return e.msg }
func (e *routeError) StatusCode() int { return e.status }
func (e *routeError) Headers() http.Header {
	if e.allow == "" {
		return nil
	}
	return http.Header{"Allow": {e.allow}}
}

var _ interface {
	transport.StatusCoder
	transport.Headerer
} = (*routeError)(nil)

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
