package capture

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder"
)

// DefaultMaxBody is how much of each body is kept unless Options say
// otherwise (64 KiB).
const DefaultMaxBody = 64 << 10

// Options configure capture. The zero value records every call with
// bodies up to DefaultMaxBody, no service or instance names, and drops
// write errors.
type Options struct {
	// Service and Instance are written on every exchange; empty means
	// unknown.
	Service, Instance string
	// Name names an HTTP request's endpoint ("GetBook"); nil means the
	// request's ServeMux pattern when a mux outside this middleware set
	// one. Names builds one from a kit Router's routes.
	Name func(*http.Request) string
	// MaxBody bounds each captured body in bytes; a longer body is kept
	// as its first MaxBody bytes, marked truncated. Zero means
	// DefaultMaxBody; negative keeps no bodies.
	MaxBody int
	// Skip, when set and true, leaves a request unrecorded (health
	// checks, metrics scrapes). Nil records everything.
	Skip func(*http.Request) bool
	// OnError receives errors from the Appender (a full disk); nil drops
	// them. Capture never fails or changes a call because of them.
	OnError func(error)
}

func (o *Options) maxBody() int {
	switch {
	case o.MaxBody == 0:
		return DefaultMaxBody
	case o.MaxBody < 0:
		return 0
	}
	return o.MaxBody
}

func (o *Options) failed(err error) {
	if err != nil && o.OnError != nil {
		o.OnError(err)
	}
}

// HTTP returns middleware that records every request it serves, with its
// response, to to. The response is passed through untouched — status,
// headers, body, flushes — while at most MaxBody bytes of each body are
// copied aside. Put it outermost, around the whole router.
//
// Headers are recorded as the handler left them (the request's and the
// response's header maps are handed to to, not copied, once the handler
// has returned; nothing writes them after that). An Appender that keeps
// an exchange past Append must not modify its maps.
func HTTP(to recorder.Appender, opts Options) func(http.Handler) http.Handler {
	max := opts.maxBody()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if opts.Skip != nil && opts.Skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now()
			reqHdr := r.Header // read after the handler returns: nothing writes it then
			var tee *teeBody
			if r.Body != nil && r.Body != http.NoBody {
				tee = &teeBody{rc: r.Body, max: max}
				r.Body = tee
			}
			cw := &captureWriter{ResponseWriter: w, max: max}
			next.ServeHTTP(cw, r)
			dur := time.Since(start)
			if cw.hdr == nil {
				cw.hdr = w.Header()
			}
			if cw.code == 0 {
				cw.code = http.StatusOK
			}
			ex := recorder.Exchange{
				Time: start, Service: opts.Service, Instance: opts.Instance,
				Transport: recorder.TransportHTTP, Target: r.Host,
				TraceID: traceID(r.Header.Get("Traceparent")),
				Request: recorder.Request{Method: r.Method, Path: r.URL.RequestURI(), Headers: reqHdr},
				Response: recorder.Response{Status: cw.code, Headers: cw.hdr,
					Body: body(cw.hdr.Get("Content-Type"), cw.body, cw.size, max)},
				Duration: dur,
			}
			if opts.Name != nil {
				ex.Endpoint = opts.Name(r)
			} else {
				ex.Endpoint = r.Pattern
			}
			if tee != nil {
				ex.Request.Body = body(reqHdr.Get("Content-Type"), tee.buf, tee.size, max)
			}
			opts.failed(to.Append(ex))
		})
	}
}

// body builds a Body from what was kept of size bytes.
func body(ct string, kept []byte, size int64, max int) *recorder.Body {
	if size == 0 || max == 0 {
		return nil
	}
	if size > int64(len(kept)) {
		return &recorder.Body{Bytes: kept, Truncated: true, Size: size}
	}
	return recorder.NewBody(ct, kept)
}

// traceID takes the trace id out of a W3C traceparent header.
func traceID(tp string) string {
	// version "-" trace-id(32) "-" parent-id(16) "-" flags
	if len(tp) < 55 || tp[2] != '-' || tp[35] != '-' {
		return ""
	}
	return tp[3:35]
}

// Names returns a Name function for a kit Router's routes (its
// Endpoints()): the endpoint whose method and pattern match the request.
func Names(routes []introspect.EndpointDoc) func(*http.Request) string {
	mux := http.NewServeMux()
	names := make(map[string]string, len(routes))
	for _, d := range routes {
		if d.Transport != "" && d.Transport != "http" || d.HTTPPath == "" {
			continue
		}
		pattern := strings.TrimSpace(d.HTTPMethod + " " + d.HTTPPath)
		if _, dup := names[pattern]; dup {
			continue
		}
		names[pattern] = d.Name
		mux.Handle(pattern, http.NotFoundHandler())
	}
	return func(r *http.Request) string {
		_, pattern := mux.Handler(r)
		return names[pattern]
	}
}

// teeBody copies up to max bytes of what the handler reads.
type teeBody struct {
	rc   io.ReadCloser
	max  int
	buf  []byte
	size int64
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.size += int64(n)
	if room := t.max - len(t.buf); room > 0 && n > 0 {
		t.buf = append(t.buf, p[:min(n, room)]...)
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// captureWriter passes everything through and keeps a copy.
type captureWriter struct {
	http.ResponseWriter
	max  int
	code int
	hdr  http.Header
	body []byte
	size int64
}

func (w *captureWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 { // 1xx are informational; the real one follows
		w.code = code
		w.hdr = w.ResponseWriter.Header()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
		w.hdr = w.ResponseWriter.Header()
	}
	n, err := w.ResponseWriter.Write(p)
	w.size += int64(n)
	if room := w.max - len(w.body); room > 0 && n > 0 {
		w.body = append(w.body, p[:min(n, room)]...)
	}
	return n, err
}

// Flush implements http.Flusher when the underlying writer does.
func (w *captureWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.code == 0 {
			w.code = http.StatusOK
			w.hdr = w.ResponseWriter.Header()
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
