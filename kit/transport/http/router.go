package http

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

// Router is a thin layer over http.ServeMux (Go 1.22 patterns, with
// {name} wildcards read by r.PathValue) that answers its misses in JSON —
// 404 for an unknown route, 405 with an Allow header for a known route and
// the wrong method — and remembers its routes by endpoint name for the
// introspection protocol. The zero Router is not usable; call NewRouter.
type Router struct {
	mux  *http.ServeMux
	mu   sync.Mutex
	docs []introspect.EndpointDoc
}

// NewRouter returns an empty Router.
func NewRouter() *Router { return &Router{mux: http.NewServeMux()} }

// Handle routes method requests for pattern (a ServeMux path pattern such
// as "/books/{id}", without method or host) to h, under the endpoint name
// name. A GET route also answers HEAD. Handle returns an error wrapping
// ErrBadRoute, and registers nothing, when name or method is empty, the
// method is not an HTTP token, the pattern is invalid, or it conflicts with
// a route already registered.
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
	rt.mu.Lock()
	defer rt.mu.Unlock()
	defer func() {
		// ServeMux panics on invalid or conflicting patterns.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %s %s: %v", ErrBadRoute, method, pattern, p)
		}
	}()
	rt.mux.Handle(method+" "+pattern, h)
	rt.docs = append(rt.docs, introspect.EndpointDoc{
		Name: name, Transport: "http", HTTPMethod: method, HTTPPath: pattern,
	})
	return nil
}

// Endpoints lists the routes in the order they were added.
func (rt *Router) Endpoints() []introspect.EndpointDoc {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.docs)
}

// ServeHTTP implements http.Handler.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern != "" { // a route, or ServeMux's own redirect to one
		rt.mux.ServeHTTP(w, r)
		return
	}
	// Learn from ServeMux whether this is a 404 or a 405, and the Allow list.
	var probe probeWriter
	probe.h = make(http.Header)
	h.ServeHTTP(&probe, r)
	err := &routeError{status: http.StatusNotFound, msg: "no route for " + r.Method + " " + r.URL.Path}
	if probe.code == http.StatusMethodNotAllowed {
		allow := probe.h.Get("Allow")
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

// probeWriter records what a handler would answer, discarding the body.
type probeWriter struct {
	h    http.Header
	code int
}

func (p *probeWriter) Header() http.Header { return p.h }
func (p *probeWriter) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

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
