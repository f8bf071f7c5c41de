package hub

import (
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/discovery"
)

// Key addresses one instance: the service it is registered under and its
// instance ID. Every message carries the Key of the instance it is about
// (the zero Key for fleet-wide messages such as SourceStatus).
type Key struct {
	Service    string `json:"service"`
	InstanceID string `json:"instance_id"`
}

// String returns "service/instance".
func (k Key) String() string { return k.Service + "/" + k.InstanceID }

// Msg is one message of the hub's stream. The concrete types are
// SourceStatus, InstanceUpdate, InstanceGone, BreakerUpdate, LimiterUpdate,
// SpanBatch, MetricsUpdate, ControlUpdate, Problem and Dropped; a view
// switches on them.
// Messages are immutable values: slices and maps in them are shared by
// every subscriber and must not be modified.
type Msg interface {
	// About returns the instance the message is about.
	About() Key
}

// State is an instance's reachability as the probes see it.
type State string

// States of an instance.
const (
	// StateStarting: discovered, the first probe has not answered yet.
	StateStarting State = "starting"
	// StateUp: the last probe succeeded.
	StateUp State = "up"
	// StateDown: the last probe failed; Instance.Err says why.
	StateDown State = "down"
)

// Introspection says how an instance is observed.
type Introspection string

// Ways an instance is observed.
const (
	IntroNone     Introspection = ""            // not yet known
	IntroStream   Introspection = "stream"      // protocol v1, events over /events
	IntroPoll     Introspection = "poll"        // protocol v1, /events unavailable: polling
	IntroNoAdmin  Introspection = "no admin"    // no kit_admin metadata: only a TCP health probe
	IntroProtocol Introspection = "unsupported" // the admin listener speaks another protocol version
)

// Instance is everything the hub knows about one instance apart from its
// components. It is a value; the hub replaces it on every change.
type Instance struct {
	Key
	// Address, Tags, Meta and Health are the registry's (Health is its
	// check status: passing, warning or critical). Health is empty, not
	// known, when no registry answers for the instance (a static target).
	Address string            `json:"address"`
	Tags    []string          `json:"tags,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
	Health  string            `json:"health"`
	// Stale is true when the registry could not confirm this instance
	// lately (an outage): it is the last known state.
	Stale bool `json:"stale,omitempty"`
	// Admin is the admin listener's base URL, empty when there is none.
	Admin string `json:"admin,omitempty"`
	// State is the probes' verdict and Since when it last changed.
	State State     `json:"state"`
	Since time.Time `json:"since"`
	// Intro says how the instance is observed.
	Intro Introspection `json:"introspection"`
	// Err is the last probe error, empty while the probes succeed. For
	// IntroProtocol it names the version found.
	Err string `json:"error,omitempty"`
	// Info is the instance's /info, nil until read.
	Info *wire.Info `json:"info,omitempty"`
}

// Name returns the service name to show: the registry's, or for a static
// target the name the instance reports about itself.
func (i Instance) Name() string {
	if i.Service == discovery.StaticService && i.Info != nil && i.Info.Service != "" {
		return i.Info.Service
	}
	return i.Service
}

// ID returns the instance ID to show: the registry's, or for a static
// target (whose Key names its admin address) the ID the instance reports
// about itself.
func (i Instance) ID() string {
	if i.Service == discovery.StaticService && i.Info != nil && i.Info.InstanceID != "" {
		return i.Info.InstanceID
	}
	return i.InstanceID
}

// SourceStatus reports the discovery source: where it is, whether its
// last answer was good, and how much it knows.
type SourceStatus struct {
	Source    string `json:"source"`
	Addr      string `json:"addr,omitempty"`
	Err       string `json:"error,omitempty"`
	Stale     bool   `json:"stale,omitempty"`
	Ready     bool   `json:"ready"`
	Services  int    `json:"services"`
	Instances int    `json:"instances"`
}

// About implements Msg; a SourceStatus is about no single instance.
func (SourceStatus) About() Key { return Key{} }

// InstanceUpdate carries an instance's new state: it appeared, or
// something about it changed.
type InstanceUpdate struct{ Instance Instance }

// About implements Msg.
func (m InstanceUpdate) About() Key { return m.Instance.Key }

// InstanceGone reports that the source no longer lists an instance; its
// probes are stopped and nothing more will be said about it.
type InstanceGone struct{ Key Key }

// About implements Msg.
func (m InstanceGone) About() Key { return m.Key }

// BreakerUpdate carries a circuit breaker's latest state. Transition is
// set when the update comes from a transition event (it has the failures
// that caused it); nil when it comes from a periodic read.
type BreakerUpdate struct {
	Key        Key
	Breaker    wire.Breaker
	Transition *wire.BreakerTransition
}

// About implements Msg.
func (m BreakerUpdate) About() Key { return m.Key }

// LimiterUpdate carries a rate limiter's latest state. Rejections is set
// when the update comes from a rejection event.
type LimiterUpdate struct {
	Key        Key
	Limiter    wire.Limiter
	Rejections *wire.LimiterRejections
}

// About implements Msg.
func (m LimiterUpdate) About() Key { return m.Key }

// SpanBatch carries finished spans of one instance, oldest first. Dropped
// counts spans that left the instance's ring before the hub saw them.
type SpanBatch struct {
	Key     Key
	Spans   []wire.Span
	Dropped uint64
}

// About implements Msg.
func (m SpanBatch) About() Key { return m.Key }

// Problem reports something wrong that did not stop the probes: a
// malformed or oversized event, an unreadable metrics page.
type Problem struct {
	Key Key
	Err string
}

// About implements Msg.
func (m Problem) About() Key { return m.Key }

// Dropped tells a subscriber that it read too slowly and N messages meant
// for it were discarded. Its view may be behind: Hub.Snapshot has the
// current state.
type Dropped struct{ N uint64 }

// About implements Msg.
func (Dropped) About() Key { return Key{} }
