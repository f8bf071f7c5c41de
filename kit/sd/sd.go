package sd

import "context"

// Health values of an Instance, as Consul names them.
const (
	HealthPassing  = "passing"
	HealthWarning  = "warning"
	HealthCritical = "critical"
)

// Metadata keys under which a kit service publishes the address of each of
// its listeners. Consul restricts meta keys to letters, digits, '_' and '-'.
const (
	MetaHTTP   = "kit_http"   // host:port of the HTTP/JSON transport
	MetaGRPC   = "kit_grpc"   // host:port of the gRPC transport
	MetaThrift = "kit_thrift" // host:port of the Thrift transport
	MetaAdmin  = "kit_admin"  // base URL of the admin listener (introspection, /metrics)
)

// Instance is one running copy of a service as a registry knows it.
type Instance struct {
	ID      string            `json:"id"`
	Service string            `json:"service"`
	Address string            `json:"address"` // host:port the registry advertises
	Tags    []string          `json:"tags,omitempty"`
	Meta    map[string]string `json:"meta,omitempty"`
	Health  string            `json:"health"` // HealthPassing, HealthWarning or HealthCritical
}

// Event is what an Instancer publishes: the instances of the service, whole
// or as the changes since the previous event, and the registry's state.
//
// A whole set (Delta false) holds every current instance in Instances.
// A delta (Delta true) holds the changes since the previous event on the
// same channel: Removed holds the instances that left, each exactly as it
// was last sent, and Instances the ones that joined, with their values; a
// changed instance is in both, its previous value in Removed and its new
// one in Instances. An observer applies a delta by taking out each
// instance of Removed, matched by Service and ID (or by any of its fields:
// they are the values it last received), then putting in each instance of
// Instances; Apply does that for a slice. The Removed of a whole set is
// unused.
//
// When Err is set the registry failed and Stale is true; Stale may also be
// set without Err. A whole set that is stale holds the last known
// instances (possibly none if none was ever known): a registry that blinks
// never empties the set. A stale delta holds changes like any other.
//
// The package documentation ("Events: whole sets and deltas") says when an
// Instancer must send a whole set and what an observer must do with each
// kind. Observers share every slice of an event: nobody may modify one
// once it is sent.
type Event struct {
	Instances []Instance
	Err       error
	Stale     bool
	// Delta says Instances and Removed are the changes since the previous
	// event rather than the whole set.
	Delta bool
	// Removed holds, in a delta, the previous values of the instances that
	// left or changed.
	Removed []Instance
}

// Apply returns the set of instances after ev, given set, the set after
// the previous event on the same channel. For a whole set it returns
// ev.Instances. For a delta it returns a new slice: set without the
// instances of ev.Removed (matched by Service and ID), with changed
// instances in place and new ones appended in the order ev lists them.
// set is not modified, and an unchanged delta returns set itself.
func (ev Event) Apply(set []Instance) []Instance {
	if !ev.Delta {
		return ev.Instances
	}
	if len(ev.Removed) == 0 && len(ev.Instances) == 0 {
		return set
	}
	type key struct{ service, id string }
	added := make(map[key]int, len(ev.Instances))
	for i, in := range ev.Instances {
		added[key{in.Service, in.ID}] = i
	}
	gone := make(map[key]bool, len(ev.Removed))
	for _, in := range ev.Removed {
		gone[key{in.Service, in.ID}] = true
	}
	out := make([]Instance, 0, len(set)+len(ev.Instances))
	placed := make([]bool, len(ev.Instances))
	for _, in := range set {
		k := key{in.Service, in.ID}
		if i, ok := added[k]; ok && !placed[i] {
			out, placed[i] = append(out, ev.Instances[i]), true
			continue
		}
		if !gone[k] {
			out = append(out, in)
		}
	}
	for i, in := range ev.Instances {
		if !placed[i] {
			out = append(out, in)
		}
	}
	return out
}

// Instancer listens to a service discovery system and notifies registered
// observers of changes in the set of instances. Instancers are safe for
// concurrent use.
type Instancer interface {
	// Register adds ch as an observer; it receives the current state at once
	// (a whole set, once one is known) and every change after. Sends never
	// block the Instancer for long: implementations document what happens
	// to a slow observer.
	Register(ch chan<- Event)
	// Deregister removes ch; no further events are sent on it.
	Deregister(ch chan<- Event)
	// Stop ends any background work; observers receive no further events.
	Stop()
}

// Registrar registers a service instance with a discovery system.
type Registrar interface {
	// Register announces the instance and starts whatever keeps the
	// registration alive (a TTL heartbeat, say).
	Register(ctx context.Context) error
	// Deregister removes the instance and stops background work.
	Deregister(ctx context.Context) error
}
