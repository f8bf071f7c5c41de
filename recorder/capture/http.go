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
	// Name names an HTTP request's endpoint ("GetBook"), called once the
	// handler has returned; nil means the request's Pattern, set by the
	// ServeMux that routed it, if any. Names builds one from a kit
	// Router's routes.
	Name func(*http.Request) string
	// MaxBody bounds each captured body in bytes; a longer body is kept
	// as its first MaxBody bytes, marked truncated. Zero means
	// DefaultMaxBody; negative keeps no bodies.
	MaxBody int
	// Skip, when set and true, leaves a request unrecorded (health
	// checks, metrics scrapes). Nil records everything.
	Skip func(*http.Request) bool
	// Queue is how many calls may wait for a Capture's writer (New only);
	// zero means DefaultQueue. When it is full, calls are served but not
	// recorded, and counted.
	Queue int
	// Stream bounds what one gRPC stream's exchange keeps (messages and
	// bytes, both ways together); messages past it are counted, not
	// kept. The zero value means recorder.DefaultStreamMessages and
	// recorder.DefaultStreamBytes.
	Stream recorder.StreamLimits
	// OnError receives errors from the Appender (a full disk) and, from a
	// Capture, reports of calls dropped by a full queue; nil drops them.
	// Capture never fails or changes a call because of them. A Capture
	// calls it from its own goroutine.
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
// response, to to, on the request's goroutine: one Append per request.
// That suits a proxy or a test; a busy service records through New, whose
// middleware leaves the work to a goroutine of its own. The response is
// passed through untouched — status, headers, body, flushes — while at
// most MaxBody bytes of each body are copied aside. Put it outermost,
// around the whole router.
//
// Headers are recorded as the handler left them (the request's and the
// response's header maps are handed to to, not copied, once the handler
// has returned; nothing writes them after that). An Appender that keeps
// an exchange past Append must not modify its maps.
func HTTP(to recorder.Appender, opts Options) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return &handler{next: next, opts: opts, max: opts.maxBody(), to: to}
	}
}

// HTTP is middleware that records every request it serves, with its
// response, through c (see Capture). The response is passed through
// untouched — status, headers, body, flushes — while at most MaxBody bytes
// of each body are copied aside. Put it outermost, around the whole
// router.
func (c *Capture) HTTP(next http.Handler) http.Handler {
	return &handler{next: next, opts: c.opts, max: c.max, c: c}
}

type handler struct {
	next http.Handler
	opts Options
	max  int
	c    *Capture          // nil: record on the request's goroutine, to to
	to   recorder.Appender // without c
	// origin, when set, is recorded as every exchange's target instead
	// of the request's Host: a proxy records the backend it forwards to.
	origin string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.opts.Skip != nil && h.opts.Skip(r) || h.c != nil && h.c.closed.Load() {
		h.next.ServeHTTP(w, r)
		return
	}
	rec := getRecord()
	rec.start = time.Now()
	rec.cw.ResponseWriter, rec.cw.max = w, h.max
	var orig io.ReadCloser
	if h.max > 0 && r.Body != nil && r.Body != http.NoBody {
		orig = r.Body
		rec.tee.rc, rec.tee.max = orig, h.max
		r.Body = &rec.tee
	}
	h.next.ServeHTTP(&rec.cw, r)
	rec.dur = time.Since(rec.start)
	if orig != nil {
		if r.Body == &rec.tee {
			r.Body = orig // nothing outside may hold the pooled tee
		}
		rec.hasReqBody = true
	}
	if rec.cw.hdr == nil {
		rec.cw.hdr = w.Header()
	}
	if rec.cw.code == 0 {
		rec.cw.code = http.StatusOK
	}
	rec.method, rec.host = r.Method, r.Host
	if h.origin != "" {
		rec.host = h.origin
	}
	if r.URL != nil {
		rec.url = *r.URL
	}
	if h.opts.Name != nil {
		rec.endpoint = h.opts.Name(r)
	} else {
		rec.endpoint = r.Pattern
	}
	rec.cw.ResponseWriter = nil
	if h.c != nil {
		rec.reqHdr = snapshot(rec.reqHdr, r.Header)
		rec.respHdr = snapshot(rec.respHdr, rec.cw.hdr)
		rec.cw.hdr = nil
		h.c.enqueue(rec)
		return
	}
	rec.reqMap, rec.respMap = r.Header, rec.cw.hdr
	var ex recorder.Exchange
	rec.exchange(&ex, &h.opts, h.max, false, nil)
	putRecord(rec)
	h.opts.failed(h.to.Append(ex))
}

// Names returns a Name function for a kit Router's routes (its
// Endpoints()): the endpoint whose method and pattern match the request.
// It costs one map lookup when the request went through a ServeMux that
// set its Pattern (a kit Router does), else one ServeMux match.
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
		if name, ok := names[r.Pattern]; ok {
			return name
		}
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
