// Package sd connects service instances: an Instancer reports which instances
// of a service exist, a Registrar announces one, and an Endpointer turns the
// instances into endpoints that a load balancer (package lb) chooses from.
//
// Registry adapters live in subpackages: consul for real fleets (and the
// embedded devregistry, which speaks Consul's API), etcd, and
// FixedInstancer for static lists.
//
// # Usage
//
// A client builds one Endpointer per service and hands it to a balancer:
//
//	e := sd.NewEndpointer(instancer, factory, sd.InvalidateOnError(time.Minute))
//	defer e.Close()
//	call := lb.Retry(3, time.Second, lb.NewP2C(e))
//
// The Factory dials one instance; the Endpointer caches the result per
// instance (ID and address) and closes it when the instance leaves.
//
// # Events: whole sets and deltas
//
// An Instancer tells its observers about instances with Events, each
// either a whole set or a delta (see Event for the fields). A registry
// that answers with the whole set (Consul's blocking query) sends whole
// sets; one that reports changes (etcd's watch) sends deltas, so that one
// instance changing among 10 000 costs its observers one instance, not a
// copy of the set.
//
// An Instancer implementation must:
//   - send a whole set as the first event on each channel after Register;
//   - send a whole set as the first event that clears Stale: a registry
//     that was unreachable is read afresh, not patched;
//   - in a delta, put in Removed exactly the values it last sent for the
//     instances that left or changed, and in Instances the new values of
//     those that joined or changed, never naming one Service and ID twice;
//   - when an observer is slow, send it an event that brings it from what
//     it last received to the current set (merged deltas, or a whole set),
//     never a state with a change missing. kit/sd's adapters share one
//     fan-out that does this.
//
// An observer must apply every event in order: replace its set with a
// whole set's Instances; for a delta, take out the instances of Removed
// (matched by Service and ID) and put in those of Instances.
// Event.Apply does this for a slice. An observer that drops its copy of
// the set (an Endpointer does when InvalidateOnError fires) ignores
// deltas until the whole set that ends the outage. A delta before any
// whole set, or one that clears Stale when there is no set to apply it
// to, comes from a broken Instancer: the Endpointer ignores it and
// reports ErrNoWholeSet until a whole set arrives.
//
// # Concurrency
//
// Entries and State are one atomic load and never lock, so balancers read
// the current set on every call. Updates run on the Endpointer's own
// goroutine, which Close stops. A whole set is diffed against the current
// entries: a 10 000-instance set that changes by one instance costs one
// pass of string compares and one new slice. A delta costs only the
// instances it names, plus one new slice of entries when an instance
// joins or leaves; a change of tags, metadata or health swaps the
// instance inside its entry and allocates no slice.
//
// # Failure behaviour
//
// Discovery fails softly. When a registry is unreachable an Instancer keeps
// publishing the last known instances with Stale set and the error attached
// (a whole set, or a delta without changes), and retries with backoff; an
// Endpointer keeps serving those instances (optionally only for a bounded
// time, after which callers get ErrNoEndpoints). A registry that blinks
// never empties the set. A Factory that fails for an instance is asked
// again at every later event, whole or delta.
//
// An Entry's Stats count a call against its instance only when
// transport.Classify calls it a failure: the caller's cancellation or own
// deadline counts as neither, a client error as a success.
package sd
