package sd

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// Factory builds the endpoint that calls one instance. The io.Closer, if not
// nil, is closed when the instance leaves the set or the Endpointer closes;
// it is where a factory releases connections. A Factory that returns an
// error is asked again at the Instancer's next event, while the instance is
// still in the set.
type Factory func(instance Instance) (endpoint.Endpoint, io.Closer, error)

// ErrNoEndpoints is returned when there is no endpoint to call: no instance
// is known, the last known ones were invalidated after a registry outage, or
// the Endpointer is closed. Its status code is 503, so transports answer
// Unavailable.
var ErrNoEndpoints error = noEndpointsError{}

type noEndpointsError struct{}

func (noEndpointsError) Error() string   { return "sd: no endpoints available" }
func (noEndpointsError) StatusCode() int { return http.StatusServiceUnavailable }

// Entry is one cached endpoint: the instance as the registry published it
// and the endpoint the Factory built for it. Entries are shared by every
// reader of a snapshot; an instance that stays in the set (same ID and
// address) keeps its Entry, endpoint and Stats across updates, while its
// other fields (tags, metadata, health) follow the latest event.
type Entry struct {
	// Endpoint calls the instance. Calls made through it are counted in
	// Stats.
	Endpoint endpoint.Endpoint

	key    string
	inst   atomic.Pointer[Instance]
	closer io.Closer
	stats  counters

	// Owned by the Endpointer's update loop; readers never touch them.
	gen     uint64
	pos     int
	leaving bool // named in a delta's Removed and not (yet) put back
}

// Instance returns the instance as last published. Its Tags and Meta are
// shared: do not modify them.
func (e *Entry) Instance() Instance { return *e.inst.Load() }

// Key identifies the instance behind the entry (its ID and address); it is
// stable while the instance stays in the set.
func (e *Entry) Key() string { return e.key }

// Stats returns the call statistics of the entry.
func (e *Entry) Stats() Stats {
	return Stats{
		InFlight:      int(e.stats.inFlight.Load()),
		Failures:      int(e.stats.failures.Load()),
		Successes:     e.stats.successes.Load(),
		TotalFailures: e.stats.totalFailures.Load(),
	}
}

// Stats counts the calls made through an Entry's Endpoint. Balancers read it:
// in-flight requests for least-loaded choices, consecutive failures and the
// cumulative counts for outlier ejection (a balancer that wants a share of
// failures over a window keeps snapshots of Successes and TotalFailures and
// subtracts). What counts is transport.Classify of the call's
// context and error: a transport.Failure (a 5xx, an error without a
// status, or a timeout while the call's context is live or ended by a
// transport.WithTimeout such as a balancer's per-attempt timeout) is a
// failure; the caller's cancellation or own deadline counts as neither,
// since it says nothing of the instance; a success or a client error (4xx,
// 429 included, raw gRPC statuses read by their code) is a success,
// because the instance answered.
type Stats struct {
	InFlight      int    // calls under way
	Failures      int    // consecutive failures since the last success
	Successes     uint64 // successes since the entry was created
	TotalFailures uint64 // failures since the entry was created
}

// counters costs a success one atomic store and one add, a failure two
// adds: no lock, no allocation.
type counters struct {
	inFlight      atomic.Int64
	failures      atomic.Int64
	successes     atomic.Uint64
	totalFailures atomic.Uint64
}

func (c *counters) wrap(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		c.inFlight.Add(1)
		defer c.inFlight.Add(-1)
		resp, err := next(ctx, req)
		c.record(ctx, err)
		return resp, err
	}
}

func (c *counters) record(ctx context.Context, err error) {
	switch transport.Classify(ctx, err) {
	case transport.Canceled, transport.CallerDeadline:
	case transport.Failure:
		c.failures.Add(1)
		c.totalFailures.Add(1)
	default:
		c.failures.Store(0)
		c.successes.Add(1)
	}
}

// newEntry keeps a reference to *inst, which must not change afterwards.
func newEntry(inst *Instance, ep endpoint.Endpoint, closer io.Closer) *Entry {
	e := &Entry{key: inst.ID + "\x00" + inst.Address, closer: closer}
	e.inst.Store(inst)
	e.Endpoint = e.stats.wrap(ep)
	return e
}
