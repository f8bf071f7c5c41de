// Package sd connects service instances: an Instancer reports which instances
// of a service exist, a Registrar announces one, and an Endpointer turns the
// instances into endpoints that a load balancer (package lb) chooses from.
//
// Registry adapters live in subpackages: consul for real fleets (and the
// embedded devregistry, which speaks Consul's API), and FixedInstancer for
// static lists.
//
// # Usage
//
// A client builds one Endpointer per service and hands it to a balancer:
//
//	e := sd.NewEndpointer(instancer, factory, sd.InvalidateOnError(time.Minute))
//	defer e.Close()
//	call := lb.Retry(3, time.Second, lb.NewP2C(e), nil)
//
// The Factory dials one instance; the Endpointer caches the result per
// instance (ID and address) and closes it when the instance leaves.
//
// # Concurrency
//
// Entries and State are one atomic load and never lock, so balancers read
// the current set on every call. Updates run on the Endpointer's own
// goroutine, which Close stops. An update diffs the new set against the
// current one: a 10 000-instance set that changes by one instance costs one
// pass of string compares and one new slice.
//
// # Failure behaviour
//
// Discovery fails softly. When a registry is unreachable an Instancer keeps
// publishing the last known instances with Stale set and the error attached,
// and retries with backoff; an Endpointer keeps serving those instances
// (optionally only for a bounded time, after which callers get
// ErrNoEndpoints). A registry that blinks never empties the set.
package sd
