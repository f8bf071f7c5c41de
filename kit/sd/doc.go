// Package sd connects service instances: an Instancer reports which instances
// of a service exist, a Registrar announces one, and an Endpointer turns the
// instances into endpoints that a load balancer (package lb) chooses from.
//
// Registry adapters live in subpackages: consul for real fleets (and the
// embedded devregistry, which speaks Consul's API), and FixedInstancer for
// static lists.
//
// # Failure behaviour
//
// Discovery fails softly. When a registry is unreachable an Instancer keeps
// publishing the last known instances with Stale set and the error attached,
// and retries with backoff; an Endpointer keeps serving those instances
// (optionally only for a bounded time, after which callers get
// ErrNoEndpoints). A registry that blinks never empties the set.
package sd
