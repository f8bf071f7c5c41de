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

// Event is what an Instancer publishes: the complete current set of
// instances, or an error from the registry. When Err is set, Instances holds
// the last known set (possibly empty if none was ever known) and Stale is
// true: a registry that blinks never empties the set. Observers share the
// Instances slice: nobody may modify it once it is sent.
type Event struct {
	Instances []Instance
	Err       error
	Stale     bool
}

// Instancer listens to a service discovery system and notifies registered
// observers of changes in the set of instances. Instancers are safe for
// concurrent use.
type Instancer interface {
	// Register adds ch as an observer; it receives the current state at once
	// and every change after. Sends never block the Instancer for long:
	// implementations document what happens to a slow observer.
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
