package introspect

import (
	"time"
)

// Version is the protocol version served under PathPrefix.
const Version = 1

// PathPrefix is where the protocol's resources live on the admin listener.
const PathPrefix = "/debug/kit/v1"

// Info answers GET /debug/kit/v1/info: what the instance is and what it serves.
type Info struct {
	Protocol   int           `json:"protocol"` // always Version
	Service    string        `json:"service"`
	InstanceID string        `json:"instance_id"`
	Version    string        `json:"version,omitempty"` // the service's own build version
	StartTime  time.Time     `json:"start_time"`
	Transports []Transport   `json:"transports"`
	Endpoints  []EndpointDoc `json:"endpoints"`
	// Streams counts the streams open now on each stream endpoint that
	// Registry.StreamMiddleware wraps; absent when there is none. Added
	// within v1: older clients ignore it.
	Streams []OpenStreams `json:"streams,omitempty"`
	// Resources lists the optional resources the instance serves, such
	// as ResourceRED; empty when it serves only the base ones.
	Resources []string `json:"resources,omitempty"`
	// Controls are the controls in force (see ControlsPath); absent when
	// there is none. Added within v1: older clients ignore it.
	Controls []Control `json:"controls,omitempty"`
}

// OpenStreams is the number of streams open on one stream endpoint.
type OpenStreams struct {
	Endpoint  string `json:"endpoint"`
	Transport string `json:"transport"`
	Open      int64  `json:"open"`
}

// Transport is one listener a service answers calls on.
type Transport struct {
	Name string `json:"name"` // "http", "grpc" or "thrift"
	Addr string `json:"addr"` // host:port
}

// Breaker states as they appear on the wire.
const (
	StateClosed   = "closed"
	StateOpen     = "open"
	StateHalfOpen = "half-open"
)

// Breaker answers GET /debug/kit/v1/breakers (as a list): one circuit
// breaker's state and the counts of its current window.
type Breaker struct {
	Name  string `json:"name"`
	State string `json:"state"` // StateClosed, StateOpen or StateHalfOpen
	// Forced is true while a breaker control holds State (see
	// ControlsPath). Added within v1.
	Forced         bool            `json:"forced,omitempty"`
	Counts         BreakerCounts   `json:"counts"`
	ErrorRatio     float64         `json:"error_ratio"` // failures/requests in the window, 0 when empty
	LastTransition time.Time       `json:"last_transition"`
	Settings       BreakerSettings `json:"settings"`
}

// BreakerCounts are a breaker's counts in its current window (Rejected is
// cumulative since start).
type BreakerCounts struct {
	Requests            uint64 `json:"requests"`
	Successes           uint64 `json:"successes"`
	Failures            uint64 `json:"failures"`
	ConsecutiveFailures uint64 `json:"consecutive_failures"`
	Rejected            uint64 `json:"rejected"`
}

// BreakerSettings is a breaker's configuration.
type BreakerSettings struct {
	Policy              string  `json:"policy"` // "consecutive" or "ratio"
	ConsecutiveFailures uint64  `json:"consecutive_failures,omitempty"`
	ErrorRatio          float64 `json:"error_ratio,omitempty"`
	MinRequests         uint64  `json:"min_requests,omitempty"`
	WindowNS            int64   `json:"window_ns,omitempty"`
	OpenTimeoutNS       int64   `json:"open_timeout_ns"`
	HalfOpenMaxCalls    uint64  `json:"half_open_max_calls"`
}

// BreakerTransition is a change of a breaker's state, with the window counts
// at that moment and the failures that led to it (most recent last).
type BreakerTransition struct {
	Name     string           `json:"name"`
	From     string           `json:"from"`
	To       string           `json:"to"`
	Time     time.Time        `json:"time"`
	Counts   BreakerCounts    `json:"counts"`
	Failures []BreakerFailure `json:"failures,omitempty"`
}

// BreakerFailure is one failed call remembered by a breaker.
type BreakerFailure struct {
	Time    time.Time `json:"time"`
	Error   string    `json:"error"` // status and client-safe text (transport.Summary), never the error's own text
	TraceID string    `json:"trace_id,omitempty"`
}

// Limiter answers GET /debug/kit/v1/limiters (as a list): one rate limiter.
type Limiter struct {
	Name     string  `json:"name"`
	Mode     string  `json:"mode"` // "error" (rejects) or "delay" (waits)
	Rate     float64 `json:"rate"` // tokens per second
	Burst    int     `json:"burst"`
	Tokens   float64 `json:"tokens"` // available now
	Allowed  uint64  `json:"allowed"`
	Rejected uint64  `json:"rejected"`
}

// LimiterRejections reports rejections of one limiter since the previous
// such event (coalesced, so a burst of rejections is one event).
type LimiterRejections struct {
	Name     string    `json:"name"`
	Time     time.Time `json:"time"`
	Rejected uint64    `json:"rejected"` // since the previous event
	Total    uint64    `json:"total"`
}

// Span is one finished span from the instance's span ring.
type Span struct {
	Cursor       uint64            `json:"cursor"` // position in the ring; pass as ?after= to page
	TraceID      string            `json:"trace_id"`
	SpanID       string            `json:"span_id"`
	ParentSpanID string            `json:"parent_span_id,omitempty"`
	Name         string            `json:"name"`
	Service      string            `json:"service"`
	Kind         string            `json:"kind,omitempty"` // "server", "client", "internal", …
	Start        time.Time         `json:"start"`
	DurationNS   int64             `json:"duration_ns"`
	Status       string            `json:"status"`                   // "ok", "error" or "unset"
	StatusMsg    string            `json:"status_message,omitempty"` // status and client-safe text, never an error's own text
	Attributes   map[string]string `json:"attributes,omitempty"`
	Events       []SpanEvent       `json:"events,omitempty"`
}

// SpanEvent is an event recorded on a span (a breaker decision, a retry, …).
type SpanEvent struct {
	Name       string            `json:"name"`
	Time       time.Time         `json:"time"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// SpanPage answers GET /debug/kit/v1/spans?after=CURSOR&limit=N.
type SpanPage struct {
	Spans []Span `json:"spans"`
	// Next is the cursor to pass as after= for the following page.
	Next uint64 `json:"next"`
	// Dropped counts spans that left the ring before this reader saw them.
	Dropped uint64 `json:"dropped"`
}

// Event types sent on GET /debug/kit/v1/events (the SSE "event:" field).
const (
	EventBreaker = "breaker"
	EventLimiter = "limiter"
	EventSpan    = "span"
	// EventControl reports a control set, cleared, expired or a breaker
	// reset; Event.Control says which. Added within v1.
	EventControl = "control"
	// EventDropped tells a client that events meant for it were discarded
	// because it read too slowly; Event.Dropped says how many.
	EventDropped = "dropped"
)

// Event is one server-sent event; exactly one of the pointers is set,
// matching Type.
type Event struct {
	Type    string             `json:"type"`
	Breaker *BreakerTransition `json:"breaker,omitempty"`
	Limiter *LimiterRejections `json:"limiter,omitempty"`
	Span    *Span              `json:"span,omitempty"`
	Control *ControlChange     `json:"control,omitempty"`
	// Dropped, set only when Type is EventDropped, counts the events this
	// connection missed since the previous EventDropped.
	Dropped uint64 `json:"dropped,omitempty"`
}

// ErrorBody is the JSON body of every error response of the protocol.
type ErrorBody struct {
	Error string `json:"error"` // a human-readable message
	// Param names the query parameter or, for a control request, the
	// body field (dotted: "fault.error_rate") that was rejected, for a 400.
	Param string `json:"param,omitempty"`
}
