// Package circuitbreaker stops calling a downstream that keeps failing, so
// a sick dependency costs its callers a fast error instead of a pile of
// stuck requests. Every client-side endpoint that crosses the network
// should be wrapped in a breaker; one breaker per downstream (not per call
// site), so all callers learn from each other's failures.
//
// This is a small engine of its own rather than an adapter to
// sony/gobreaker or hystrix-go, because kitbench needs what those do not
// give: state and rolling-window counts readable at any moment without
// taking a lock the call path uses, and transitions delivered to observers
// that can never block or deadlock a call. (gobreaker calls OnStateChange
// while holding its mutex, so a callback that reads the breaker deadlocks,
// its issue #37; hystrix-go keeps its configuration in process globals.)
// Under the default policy a successful call through a closed breaker
// costs two atomic loads and one atomic add, with no
// mutex and no allocation; the ratio policy adds a read of the monotonic
// clock, and takes a mutex once per bucket (a tenth of the window) to
// recycle old buckets.
//
// # Usage
//
//	b, err := circuitbreaker.New("books",
//		circuitbreaker.ErrorRatio(0.5, 20, 10*time.Second),
//		circuitbreaker.OpenTimeout(30*time.Second),
//		circuitbreaker.WithRegistry(reg))
//	if err != nil { ... }
//	getBook = b.Middleware(getBook)
//
// # States
//
// A closed breaker calls the endpoint and counts outcomes. Under the
// consecutive policy (the default: 5) it opens on the n-th failure in a
// row; under the ratio policy it opens when, in the rolling window, at
// least the minimum number of calls completed and the failure share
// reached the ratio. An open breaker rejects every call with an error
// matching ErrOpen, without calling the endpoint, until the open timeout
// passes. It is then half-open: it admits the configured number of trial
// calls and rejects the rest; when all trial calls succeed it closes, with
// fresh counts, and the first failed trial opens it again.
//
// What counts is decided by transport.Classify, kit's one definition of a
// failure: a nil error is a success, unless the response implements
// endpoint.Failer and carries an error. The caller's own cancellation and
// the caller's own deadline (its context ended with a deadline that was
// not imposed with transport.WithTimeout) count as nothing: a breaker
// shared by every caller must not open because some callers are
// impatient. A client error (a status below 500, gRPC's InvalidArgument,
// NotFound, PermissionDenied, ResourceExhausted and the like, raw
// google.golang.org/grpc/status errors included) counts as a success: the
// downstream answered. Every other error is a failure: a 5xx, an error
// with no status, and a deadline error while the caller's context is
// still live (a downstream's timeout, or one imposed inside the breaker,
// such as a balancer's per-attempt timeout). The IsFailure predicate, when
// set, replaces the last two rules.
//
// # Observing
//
// BreakerInfo makes a Breaker an introspect.BreakerSource; WithRegistry
// registers it and publishes every transition as an introspect.Event,
// carrying the counts at the moment and, when the breaker opens, the
// recent failures that opened it (time, trace id and transport.Summary of
// the error, cut to 256 bytes: its status and client-safe text, never the
// wrapped chain, which stays in the service's own logs). Subscribe gives a channel of transitions and OnTransition a
// callback. When the context carries a recording span, each call adds a
// "circuitbreaker" event with the breaker's name and state (and
// rejected=true when it refused the call).
//
// # Concurrency
//
// A Breaker is safe for concurrent use. The state is one atomic pointer to
// an immutable generation record; a transition swaps the record with a
// compare-and-swap, so exactly one caller makes each transition and a call
// that finishes after its generation ended is not counted in the next one.
// Transitions are published in order: registry and Subscribe sends never
// block (a full buffer misses the event), and OnTransition callbacks run on
// a goroutine of the breaker's own that exists only while transitions are
// waiting to be delivered, with no lock held, so they may call the breaker.
//
// # Failure behaviour
//
// The rejection error matches ErrOpen, implements StatusCode() == 503,
// RetryAfter() (time left until trial calls, at least 1 ms; one second
// while trials are under way) and ErrorReason() == "breaker_open", so
// kit/transport answers 503 with Retry-After over HTTP and Unavailable over
// gRPC, with the reason breaker_open that tells the caller the call was
// refused, not tried and failed. A trial call whose
// caller cancels, or whose endpoint panics, gives its trial slot back. The
// breaker's time comes from time.Now unless WithClock says otherwise, so
// it runs on the fake clock of a testing/synctest bubble.
package circuitbreaker
