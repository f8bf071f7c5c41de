package gateway

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/transport"
)

// maxFailureText bounds the error text kept per failure.
const maxFailureText = 256

// recentFailures remembers, per instance, its last failed calls — the
// failures an ejection is decided on — so that the ejection's breaker
// transition can say why it tripped, as a kit circuit breaker's does. A
// call fails by the rule sd.Stats counts by: status 500 or above. At most
// keep failures are kept per instance, each with the run it belongs to
// (the instance's successes before it), so that a consecutive ejection
// shows the failures since the last success and a failure-ratio ejection
// those of its window.
type recentFailures struct {
	keep int
	now  func() time.Time

	mu   sync.Mutex
	byID map[instanceKey]*instanceFailures
}

// instanceKey names one instance at one address, as sd.Entry does: an
// instance that moves is a new entry, built and closed on its own.
type instanceKey struct{ id, addr string }

type instanceFailures struct {
	successes atomic.Uint64 // successes so far: a success costs no lock
	mu        sync.Mutex
	list      []failure // oldest first
}

// failure is one failed call and the run it belongs to.
type failure struct {
	introspect.BreakerFailure
	run uint64 // instanceFailures.successes when it failed
}

func newRecentFailures(keep int, now func() time.Time) *recentFailures {
	return &recentFailures{keep: keep, now: now, byID: map[instanceKey]*instanceFailures{}}
}

// track returns a middleware recording the failures of the instance's
// calls, and a closer that forgets the instance; it wraps closer, which
// may be nil.
func (r *recentFailures) track(id, addr string, closer io.Closer) (endpoint.Middleware, io.Closer) {
	f := &instanceFailures{}
	k := instanceKey{id, addr}
	r.mu.Lock()
	r.byID[k] = f
	r.mu.Unlock()
	mw := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			resp, err := next(ctx, req)
			switch {
			case err != nil && transport.StatusOf(err) >= 500:
				f.add(r.failure(ctx, err), r.keep)
			case err != nil && transport.StatusOf(err) == 499: // the caller's cancellation says nothing of the instance
			default:
				f.successes.Add(1)
			}
			return resp, err
		}
	}
	return mw, forgetter{r: r, k: k, f: f, next: closer}
}

func (r *recentFailures) failure(ctx context.Context, err error) introspect.BreakerFailure {
	text := err.Error()
	if len(text) > maxFailureText {
		text = text[:maxFailureText] + "…"
	}
	bf := introspect.BreakerFailure{Time: r.now().UTC(), Error: text}
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		bf.TraceID = sc.TraceID().String()
	}
	return bf
}

// of returns the recorded failures that led to the ejection e, oldest
// first: for a failure ratio those of the last window, otherwise those
// since the instance's last success.
func (r *recentFailures) of(e lb.Ejection, window time.Duration) []introspect.BreakerFailure {
	r.mu.Lock()
	f := r.byID[instanceKey{e.ID, e.Address}]
	r.mu.Unlock()
	if f == nil {
		return nil
	}
	run, since := f.successes.Load(), r.now().Add(-window)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []introspect.BreakerFailure
	for _, x := range f.list {
		if (e.Reason == lb.ReasonFailureRatio && !x.Time.Before(since)) || (e.Reason != lb.ReasonFailureRatio && x.run == run) {
			out = append(out, x.BreakerFailure)
		}
	}
	return out
}

func (f *instanceFailures) add(bf introspect.BreakerFailure, keep int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.list) >= keep {
		f.list = append(f.list[:0], f.list[len(f.list)-keep+1:]...)
	}
	f.list = append(f.list, failure{bf, f.successes.Load()})
}

// forgetter drops an instance's failures when its entry is closed, then
// closes what the factory opened.
type forgetter struct {
	r    *recentFailures
	k    instanceKey
	f    *instanceFailures
	next io.Closer
}

func (c forgetter) Close() error {
	c.r.mu.Lock()
	if c.r.byID[c.k] == c.f { // not replaced by a newer entry of the instance
		delete(c.r.byID, c.k)
	}
	c.r.mu.Unlock()
	if c.next != nil {
		return c.next.Close()
	}
	return nil
}
