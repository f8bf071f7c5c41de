package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// DecodeRequestFunc extracts a user-domain request object from an HTTP
// request. An error it returns is encoded by the Server's ErrorEncoder; make
// it a transport.StatusCoder below 500 (DecodeJSONRequest does) when the
// client is at fault.
type DecodeRequestFunc func(context.Context, *http.Request) (request any, err error)

// EncodeResponseFunc writes a user-domain response object to an HTTP
// response. If it fails before writing anything, the Server encodes the
// error instead.
type EncodeResponseFunc func(context.Context, http.ResponseWriter, any) error

// RequestFunc may take information from an HTTP request and put it into the
// context (ServerBefore), or add information from the context to an
// outgoing request (ClientBefore).
type RequestFunc func(context.Context, *http.Request) context.Context

// ServerResponseFunc may take information from the context and use it to
// set response headers, after the endpoint succeeded and before the
// response is encoded (ServerAfter).
type ServerResponseFunc func(context.Context, http.ResponseWriter) context.Context

// ServerFinalizerFunc runs at the end of every request with the status code
// that was written.
type ServerFinalizerFunc func(ctx context.Context, code int, r *http.Request)

// ErrorEncoder writes err to w. It is called for decode, endpoint and
// encode errors, and for responses that implement endpoint.Failer.
type ErrorEncoder func(ctx context.Context, err error, w http.ResponseWriter)

// defaultMaxBodyBytes is the body cap a Server applies unless told otherwise.
const defaultMaxBodyBytes = 4 << 20

// Server wraps an endpoint and implements http.Handler.
type Server struct {
	e         endpoint.Endpoint
	dec       DecodeRequestFunc
	enc       EncodeResponseFunc
	before    []RequestFunc
	after     []ServerResponseFunc
	finalizer []ServerFinalizerFunc
	errorEnc  ErrorEncoder
	errorFn   func(context.Context, error)
	maxBody   int64
	timeout   time.Duration
	panics    *transport.PanicPolicy
	bufs      sync.Pool    // *encodeBuffer, used by EncodeJSONResponse
	reqType   reflect.Type // what dec makes, when known (types.go)
	respType  reflect.Type // what e returns, when known
	wiring    error        // dec and e disagree: every request fails with it
}

// NewServer returns a Server that decodes requests with dec, calls e, and
// encodes responses with enc. A nil e, dec or enc makes every request fail
// with a 500 rather than panic. When dec is one of kit's generic decoders
// and e an endpoint.Typed whose request type is not what dec makes, every
// request fails with a 500 wrapping ErrTypeMismatch, naming both types, and
// Router.Handle refuses the Server.
func NewServer(e endpoint.Endpoint, dec DecodeRequestFunc, enc EncodeResponseFunc, opts ...ServerOption) *Server {
	s := &Server{e: e, dec: dec, enc: enc, errorEnc: DefaultErrorEncoder, maxBody: defaultMaxBodyBytes}
	for _, o := range opts {
		o(s)
	}
	s.learnTypes()
	return s
}

// ServerOption sets an optional parameter for servers.
type ServerOption func(*Server)

// ServerBefore adds functions run on the request before it is decoded, in
// order; each may return a derived context.
func ServerBefore(before ...RequestFunc) ServerOption {
	return func(s *Server) { s.before = append(s.before, before...) }
}

// ServerAfter adds functions run after the endpoint succeeded, before the
// response is encoded, in order.
func ServerAfter(after ...ServerResponseFunc) ServerOption {
	return func(s *Server) { s.after = append(s.after, after...) }
}

// ServerErrorEncoder replaces DefaultErrorEncoder. A nil encoder keeps the
// default.
func ServerErrorEncoder(ee ErrorEncoder) ServerOption {
	return func(s *Server) {
		if ee != nil {
			s.errorEnc = ee
		}
	}
}

// ServerErrorHandler sets a function that sees every error the Server
// answers with — the body limit, a decoder's, the endpoint's (returned or
// through endpoint.Failer), an encoder's, and a recovered panic's (wrapping
// transport.ErrPanic) — before it is encoded, with the
// request's context, so RequestIDFromContext ties a log line to the
// request id the client was sent. It is the place to log the cause of a
// 5xx, whose text never reaches the client. Nil (the default) reports
// nothing, except a wiring bug (endpoint.ErrRequestType, ErrTypeMismatch),
// which goes to slog.Default at Error.
func ServerErrorHandler(h func(ctx context.Context, err error)) ServerOption {
	return func(s *Server) { s.errorFn = h }
}

// ServerFinalizer adds functions run at the end of every request, in order,
// with the status code written. Without finalizers the Server does not wrap
// the ResponseWriter at all.
func ServerFinalizer(f ...ServerFinalizerFunc) ServerOption {
	return func(s *Server) { s.finalizer = append(s.finalizer, f...) }
}

// ServerMaxBodyBytes caps request bodies at n bytes; a larger body is
// answered with 413. Zero or a negative n keeps the default, 4 MiB.
func ServerMaxBodyBytes(n int64) ServerOption {
	return func(s *Server) {
		if n > 0 {
			s.maxBody = n
		}
	}
}

// ServerTimeout gives every request a deadline d after it arrives: decode,
// endpoint and encode see it in their context, and an endpoint that returns
// context.DeadlineExceeded is answered with 504. Zero (the default) adds no
// deadline of its own; the client's disconnect still cancels the context.
func ServerTimeout(d time.Duration) ServerOption {
	return func(s *Server) { s.timeout = d }
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := newRequestState(r, s)
	w.Header()[RequestIDHeader] = st.hdr[hdrRequestID : hdrRequestID+1 : hdrRequestID+1]
	var ctx context.Context = st

	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	if len(s.finalizer) > 0 {
		iw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
		w = iw
		defer func() {
			for _, f := range s.finalizer {
				f(ctx, iw.code, r)
			}
		}()
	}
	encoding := false // the encoder runs, and may have written
	defer func() {
		if v := recover(); v != nil {
			s.recovered(ctx, w, r, v, encoding)
		}
	}()
	for _, f := range s.before {
		ctx = f(ctx, r)
	}

	if r.ContentLength > s.maxBody {
		s.fail(ctx, bodyTooLarge(s.maxBody), w)
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		st.body = limitedBody{rc: r.Body, left: s.maxBody, limit: s.maxBody}
		r.Body = &st.body
	}

	if s.dec == nil || s.e == nil || s.enc == nil {
		s.fail(ctx, errNotConfigured, w)
		return
	}
	if s.wiring != nil {
		s.fail(ctx, s.wiring, w)
		return
	}
	request, err := s.dec(ctx, r)
	if err != nil {
		s.fail(ctx, err, w)
		return
	}
	response, err := s.e(ctx, request)
	if err != nil {
		s.fail(ctx, err, w)
		return
	}
	if f, ok := response.(endpoint.Failer); ok {
		if err := f.Failed(); err != nil {
			s.fail(ctx, err, w)
			return
		}
	}
	for _, f := range s.after {
		ctx = f(ctx, w)
	}
	encoding = true
	if err := s.enc(ctx, w, response); err != nil {
		s.fail(ctx, err, w)
	}
}

// fail reports err to the error handler, if any, and encodes it. A wiring
// bug with no error handler is logged to slog.Default. An error matching
// transport.ErrAbort aborts the response instead (net/http closes the
// connection), as a panic with http.ErrAbortHandler does.
func (s *Server) fail(ctx context.Context, err error, w http.ResponseWriter) {
	if s.errorFn != nil {
		s.errorFn(ctx, err)
	} else if wiringBug(err) {
		logWiring(ctx, err)
	}
	if errors.Is(err, transport.ErrAbort) {
		if cw, ok := w.(*codeWriter); ok && !cw.written {
			cw.code = transport.StatusOf(err) // what finalizers report
		}
		panic(http.ErrAbortHandler)
	}
	s.errorEnc(ctx, err, w)
}

// encodeBuffer is the reusable scratch space of EncodeJSONResponse.
type encodeBuffer struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// maxPooledBuffer is the largest encode buffer kept for reuse.
const maxPooledBuffer = 64 << 10

func (s *Server) getBuffer() *encodeBuffer {
	if b, ok := s.bufs.Get().(*encodeBuffer); ok {
		return b
	}
	b := new(encodeBuffer)
	b.enc = json.NewEncoder(&b.buf)
	return b
}

func (s *Server) putBuffer(b *encodeBuffer) {
	if b.buf.Cap() > maxPooledBuffer {
		return
	}
	b.buf.Reset()
	s.bufs.Put(b)
}

// codeWriter records the status code for finalizers.
type codeWriter struct {
	http.ResponseWriter
	code    int
	written bool
}

func (w *codeWriter) WriteHeader(code int) {
	if !w.written {
		w.code, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *codeWriter) Write(p []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher when the underlying writer does.
func (w *codeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		w.written = true
		f.Flush()
	}
}
