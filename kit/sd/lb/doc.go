// Package lb chooses which instance to call and retries elsewhere when one
// fails. Every client-side call to a discovered service should go through a
// Balancer and Retry: one bad instance should cost a retry, not an outage.
//
// Balancers read the current set from a Source (an *sd.Endpointer) on every
// Pick and return the chosen *sd.Entry, so callers know which instance they
// called. NewRoundRobin cycles, NewRandom draws uniformly, NewP2C draws two
// and takes the one with fewer calls in flight (the default to reach for).
// NewOutlier wraps any of them and ejects instances that keep failing, or
// fail too often.
//
// # Usage
//
//	e := sd.NewEndpointer(instancer, factory)
//	defer e.Close()
//	b := lb.NewOutlier(e, lb.NewP2C(e), lb.OutlierConfig{})
//	call := lb.Retry(3, 500*time.Millisecond, b)
//	resp, err := call(ctx, req)
//
// # Concurrency
//
// Everything here is safe for concurrent use. A Pick is one atomic load of
// the Endpointer's snapshot plus an atomic counter (RoundRobin) or the
// runtime's per-thread random generator (Random, P2C): no lock, no shared
// math/rand source, no allocation, the same cost for 3 or 10 000 instances.
// Outlier adds a map lookup while instances are ejected and takes a lock
// only to eject; with OutlierConfig.FailureRatio, a clock read per Pick,
// a map lookup for an instance that has failed, and once a quarter window
// a Pick that snapshots the set's counts. Nothing in this package starts a
// goroutine.
//
// # Failure behaviour
//
// Retry's timeout bounds the whole call, every attempt included (go-kit's
// meaning); AttemptTimeout bounds each attempt too. Retry tries again only
// when the instance failed (status 500 or above, a per-attempt timeout
// included), never after the caller gave up or the call's timeout passed,
// and only within a Budget (20 % of requests plus 3 per 10 s window by
// default, WithBudget to share one), so retries cannot multiply the load on
// a failing backend. A 429 is never retried: behind Retry, per-instance
// erroring limiters put their 429s in front of the caller. Its error lists
// every attempt and keeps the last error's status code.
//
// A failure is what transport.Classify calls one (see sd.Stats): a 5xx or
// an error without a status, and a per-attempt timeout, which Retry sets
// with transport.WithTimeout so that it counts against the instance. The
// caller's own cancellation or deadline and client errors (4xx, 429 and
// raw gRPC client codes included) never count, so callers with short
// deadlines cannot eject a healthy instance.
//
// Outlier ejects an instance after 5 consecutive failures for 30 s times the
// number of its ejections, capped at 300 s (OutlierConfig.MaxEjection), and
// never more than 10 % of the instances (at least one): when the whole fleet
// fails, the fleet is still called. With OutlierConfig.FailureRatio it also
// ejects an instance whose share of failures over a window (10 s by
// default) reaches the ratio, judged once it has had MinRequests calls (20)
// there — the instance whose successes keep breaking its runs of failures,
// one failing method among several — under the same back-off and cap. An
// instance that serves again for OutlierConfig.ResetAfter (by default the
// cap) after an ejection ended has its count forgotten: its next ejection
// is 30 s again. Ejections are observable: Ejected lists the current ones,
// each with the rule that ejected it (Ejection.Reason) and the calls it
// judged; each new one goes to OutlierConfig.OnEject (with the call's
// context) and Notify, and is recorded as an EventEject event on the
// call's span. With no instances at all, Pick and Retry return
// sd.ErrNoEndpoints (status 503).
package lb
