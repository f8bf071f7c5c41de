package introspect

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kitbench/kitbench/kit/internal/hostcheck"
)

// Defaults of the handler's options.
const (
	// DefaultSpanLimit is the page size of /spans when limit is not given.
	DefaultSpanLimit = 100
	// MaxSpanLimit caps limit on /spans; larger values are lowered to it.
	MaxSpanLimit = 1000
	// DefaultHeartbeat is how often an idle /events stream sends a comment.
	DefaultHeartbeat = 15 * time.Second
	// DefaultEventBuffer is how many events one /events connection may
	// have queued before further events for it are dropped.
	DefaultEventBuffer = 256
	// DefaultStreamWriteTimeout bounds one write to an /events client; a
	// client that does not take an event within it is disconnected.
	DefaultStreamWriteTimeout = 10 * time.Second
)

// MetricsPath is where WithMetrics mounts the Prometheus exposition.
const MetricsPath = "/metrics"

// ErrClosed is the error an /events request gets (as a 503) once the
// Handler is closed.
var ErrClosed = errors.New("introspect: handler closed")

// HandlerOption configures NewHandler.
type HandlerOption func(*Handler)

// WithBearerToken requires every request to carry "Authorization: Bearer
// <token>". The empty token (the default) means no authentication, which is
// only safe on a loopback listener.
func WithBearerToken(token string) HandlerOption {
	return func(h *Handler) {
		if token == "" {
			h.token = nil
			return
		}
		sum := sha256.Sum256([]byte(token))
		h.token = sum[:]
	}
}

// WithMetrics serves g's metrics in the Prometheus exposition format at
// MetricsPath. Without it (or with a nil g) MetricsPath is a 404.
func WithMetrics(g prometheus.Gatherer) HandlerOption {
	return func(h *Handler) {
		if g == nil {
			h.metrics = nil
			return
		}
		h.metrics = promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	}
}

// WithHeartbeat sets how often an /events stream sends a comment line so
// that clients and proxies see it is alive. Zero or less means
// DefaultHeartbeat.
func WithHeartbeat(d time.Duration) HandlerOption {
	return func(h *Handler) { h.heartbeat = d }
}

// WithEventBuffer sets how many events each /events connection may have
// queued. Zero or less means DefaultEventBuffer.
func WithEventBuffer(n int) HandlerOption {
	return func(h *Handler) { h.buffer = n }
}

// Handler serves protocol v1 for one Registry; see NewHandler.
type Handler struct {
	reg       *Registry
	hosts     hostcheck.Policy
	token     []byte // sha256 of the bearer token; nil: no auth
	metrics   http.Handler
	red       REDSource
	heartbeat time.Duration
	buffer    int
	writeTO   time.Duration
	ctl       *controller // nil: control writes are disabled (WithControls)

	ctx     context.Context // done when Close is called
	cancel  context.CancelFunc
	mu      sync.Mutex
	closed  bool
	streams sync.WaitGroup // one per /events stream being served
}

// NewHandler returns the admin handler for reg: the protocol's resources
// under PathPrefix and, with WithMetrics, Prometheus at MetricsPath. Every
// other path is a 404 and every error body is an ErrorBody. Call Close to
// end the /events streams it is serving.
func NewHandler(reg *Registry, opts ...HandlerOption) *Handler {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Handler{reg: reg, ctx: ctx, cancel: cancel, writeTO: DefaultStreamWriteTimeout}
	for _, o := range opts {
		o(h)
	}
	if h.heartbeat <= 0 {
		h.heartbeat = DefaultHeartbeat
	}
	if h.buffer <= 0 {
		h.buffer = DefaultEventBuffer
	}
	return h
}

// Close ends every /events stream, waits for their goroutines to return,
// and makes later /events requests fail with 503. JSON resources keep
// working. Close is idempotent.
func (h *Handler) Close() error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	if h.ctl != nil {
		h.ctl.close()
	}
	h.cancel()
	h.streams.Wait()
	return nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.hostAllowed(w, r) {
		return
	}
	if h.token != nil && !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kit-introspect"`)
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token", "")
		return
	}
	if r.URL.Path == MetricsPath && h.metrics != nil {
		if !allowMethod(w, r, true) {
			return
		}
		h.metrics.ServeHTTP(w, r)
		return
	}
	res, ok := strings.CutPrefix(r.URL.Path, PathPrefix+"/")
	if !ok {
		writeError(w, http.StatusNotFound, "no such resource: "+r.URL.Path, "")
		return
	}
	switch res {
	case "info":
		if allowMethod(w, r, true) {
			writeJSON(w, http.StatusOK, h.info())
		}
	case "breakers":
		if allowMethod(w, r, true) {
			writeJSON(w, http.StatusOK, h.reg.Breakers())
		}
	case "limiters":
		if allowMethod(w, r, true) {
			writeJSON(w, http.StatusOK, h.reg.Limiters())
		}
	case "spans":
		if allowMethod(w, r, true) {
			h.serveSpans(w, r)
		}
	case ResourceRED:
		if h.red == nil {
			writeError(w, http.StatusNotFound, "no such resource: "+r.URL.Path+" (this instance serves no RED figures)", "")
		} else if allowMethod(w, r, true) {
			writeJSON(w, http.StatusOK, h.redPage())
		}
	case "exchanges":
		if allowMethod(w, r, true) {
			h.serveExchanges(w, r)
		}
	case "events":
		if allowMethod(w, r, false) {
			h.serveEvents(w, r)
		}
	default:
		if rest, ok := strings.CutPrefix(res, "controls"); ok && (rest == "" || rest[0] == '/') {
			h.serveControls(w, r, strings.TrimPrefix(rest, "/"))
			return
		}
		writeError(w, http.StatusNotFound, "no such resource: "+r.URL.Path, "")
	}
}

func (h *Handler) authorized(r *http.Request) bool {
	const scheme = "bearer "
	v := r.Header.Get("Authorization")
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return false
	}
	// Comparing fixed-size digests keeps the comparison constant-time
	// whatever the length of the presented token.
	sum := sha256.Sum256([]byte(strings.TrimSpace(v[len(scheme):])))
	return subtle.ConstantTimeCompare(sum[:], h.token) == 1
}

func (h *Handler) info() Info {
	info := h.reg.Info()
	if info.Transports == nil {
		info.Transports = []Transport{}
	}
	if info.Endpoints == nil {
		info.Endpoints = []EndpointDoc{}
	}
	if h.red != nil {
		info.Resources = append(slices.Clone(info.Resources), ResourceRED)
	}
	if h.ctl != nil {
		info.Controls = h.ctl.list()
	}
	return info
}

func (h *Handler) serveSpans(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var after uint64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "after must be a non-negative integer cursor", "after")
			return
		}
		after = n
	}
	limit := DefaultSpanLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit must be a positive integer", "limit")
			return
		}
		limit = min(n, MaxSpanLimit)
	}
	writeJSON(w, http.StatusOK, h.reg.Spans(after, limit))
}

// allowMethod reports whether r's method is GET (or HEAD, if head is
// true), answering 405 otherwise.
func allowMethod(w http.ResponseWriter, r *http.Request, head bool) bool {
	if r.Method == http.MethodGet || (head && r.Method == http.MethodHead) {
		return true
	}
	allow := "GET"
	if head {
		allow = "GET, HEAD"
	}
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use "+allow, "")
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// The protocol's types always marshal; this guards foreign
		// sources that put NaN into a float.
		writeError(w, http.StatusInternalServerError, "cannot encode response", "")
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg, param string) {
	body, _ := json.Marshal(ErrorBody{Error: msg, Param: param})
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
