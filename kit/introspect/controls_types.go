package introspect

import (
	"encoding/json"
	"fmt"
	"time"
)

// Control kinds: the first segment after ControlsPath, and Control.Kind.
const (
	// ControlFault injects faults into one endpoint (kit/fault).
	ControlFault = "fault"
	// ControlBreaker forces one circuit breaker open or closed.
	ControlBreaker = "breaker"
	// ControlLimiter overrides one rate limiter's rate and burst.
	ControlLimiter = "limiter"
	// ControlDrain takes the instance out of discovery while it goes on
	// serving (in-flight calls finish; the admin listener stays).
	ControlDrain = "drain"
)

// Breaker actions of a ControlRequest.
const (
	BreakerForceOpen   = "open"
	BreakerForceClosed = "closed"
	// BreakerReset returns the breaker to closed with empty counts and
	// clears a forced state. It is a one-off action, not a control.
	BreakerReset = "reset"
)

// Actions of a ControlChange.
const (
	ControlSet     = "set"     // a control was set or replaced
	ControlCleared = "cleared" // a DELETE cleared it
	ControlExpired = "expired" // its TTL passed and it reverted by itself
	ControlReset   = "reset"   // a breaker was reset (BreakerReset)
)

// Limits of a control's time to live.
const (
	// DefaultControlTTL is a control's TTL when its request gives none.
	DefaultControlTTL = 5 * time.Minute
	// MaxControlTTL is the longest TTL any instance accepts; a request
	// for more is refused (400).
	MaxControlTTL = time.Hour
)

// ActorHeader is the request header a client names its user in ("alice
// via kitbench"); the handler records it, with the connection's remote
// address, as who made a change. It is a label for people, not an
// identity: the bearer token is what authorizes.
const ActorHeader = "X-Kit-Actor"

// Duration is a time.Duration that travels in JSON as a Go duration
// string ("250ms", "1m30s"), in control requests and responses.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string; a number or a malformed string
// is an error.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"250ms\" or \"2m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"250ms\" or \"2m\"", s)
	}
	*d = Duration(v)
	return nil
}

// Fault is what a fault control injects into each call of one endpoint
// (and stream of a stream endpoint). Every field's zero value injects
// nothing of its kind; at least one must inject something.
type Fault struct {
	// Latency delays each call by this much before it runs; with
	// LatencyMax above it, by a uniformly random time between the two.
	Latency    Duration `json:"latency,omitempty"`
	LatencyMax Duration `json:"latency_max,omitempty"`
	// ErrorRate is the fraction of calls, 0 to 1, that fail with
	// ErrorStatus and the reason "fault_injected" instead of running.
	ErrorRate float64 `json:"error_rate,omitempty"`
	// ErrorStatus is the HTTP status (400–599; gRPC gets the matching
	// code) of injected errors; zero means 503 (gRPC Unavailable).
	ErrorStatus int `json:"error_status,omitempty"`
	// AbortRate is the fraction of calls, 0 to 1, that the transport
	// aborts its own abrupt way (transport.ErrAbort: an HTTP connection
	// reset, a Thrift connection closed, gRPC Unavailable).
	AbortRate float64 `json:"abort_rate,omitempty"`
	// StreamAfter, for a stream endpoint, lets a stream send this many
	// messages untouched; the faults then apply to each later message it
	// sends (a delay, or a failure that ends the stream). Zero applies
	// them when the stream starts, as for a unary call. Unary endpoints
	// ignore it.
	StreamAfter int `json:"stream_after,omitempty"`
}

// Limit is a limiter control's rate and burst.
type Limit struct {
	Rate  float64 `json:"rate"`            // tokens per second, positive
	Burst int     `json:"burst,omitempty"` // zero keeps the limiter's burst
}

// ControlRequest is the JSON body of PUT or POST
// ControlsPath/{kind}/{target}: the control's payload for its kind and
// its time to live. Only the field of the path's kind may be set.
type ControlRequest struct {
	// TTL is how long the control holds before it reverts by itself;
	// zero means DefaultControlTTL, more than the instance's maximum
	// (MaxControlTTL at most) is refused.
	TTL     Duration `json:"ttl,omitempty"`
	Fault   *Fault   `json:"fault,omitempty"`   // kind fault
	Breaker string   `json:"breaker,omitempty"` // kind breaker: BreakerForceOpen, BreakerForceClosed or BreakerReset
	Limit   *Limit   `json:"limit,omitempty"`   // kind limiter
}

// Control is one control in force, as GET ControlsPath and Info.Controls
// list it.
type Control struct {
	Kind    string    `json:"kind"`             // ControlFault, ControlBreaker, ControlLimiter or ControlDrain
	Target  string    `json:"target,omitempty"` // the endpoint, breaker or limiter; empty for a drain
	Fault   *Fault    `json:"fault,omitempty"`
	Breaker string    `json:"breaker,omitempty"` // the forced state: BreakerForceOpen or BreakerForceClosed
	Limit   *Limit    `json:"limit,omitempty"`
	SetAt   time.Time `json:"set_at"`
	Until   time.Time `json:"until"` // when it reverts by itself
	// By is the ActorHeader of the request that set it, and From the
	// address that request came from.
	By   string `json:"by,omitempty"`
	From string `json:"from,omitempty"`
}

// ControlList answers GET ControlsPath: whether writes are enabled,
// their limits, what can be controlled, and the controls in force.
type ControlList struct {
	// Enabled is false when the service did not enable controls: every
	// write is then refused with 403.
	Enabled    bool     `json:"enabled"`
	DefaultTTL Duration `json:"default_ttl"`
	MaxTTL     Duration `json:"max_ttl"`
	// FaultEndpoints are the endpoints a fault control can target (those
	// wrapped by kit/fault), Breakers and Limiters the names of the
	// breakers and limiters that can be steered, and Drain whether the
	// instance can be drained.
	FaultEndpoints []string  `json:"fault_endpoints"`
	Breakers       []string  `json:"breakers"`
	Limiters       []string  `json:"limiters"`
	Drain          bool      `json:"drain"`
	Controls       []Control `json:"controls"`
}

// ControlChange is the payload of an EventControl event: a control set,
// cleared, expired, or a breaker reset.
type ControlChange struct {
	Action  string    `json:"action"` // ControlSet, ControlCleared, ControlExpired or ControlReset
	Time    time.Time `json:"time"`
	Control Control   `json:"control"`
	// By and From say who made the change (see Control); both are empty
	// for an expiry.
	By   string `json:"by,omitempty"`
	From string `json:"from,omitempty"`
}
