// Package ratelimit protects a service, or the downstream it calls, from
// more calls than it can take: a token bucket (golang.org/x/time/rate) in
// front of an endpoint. Put an erroring limiter on the server side, where
// a fast 429 tells clients to back off, and a delaying limiter on the
// client side, where smoothing a burst is better than failing it.
//
// # Usage
//
//	lim, err := ratelimit.NewErroring("books", 100, 20, ratelimit.WithRegistry(reg))
//	if err != nil { ... }
//	getBook = lim.Middleware(getBook)
//
// # Failure behaviour
//
// A refused call gets an error matching ErrLimited that implements
// StatusCode() == 429 and RetryAfter(), so kit/transport answers 429 with
// Retry-After over HTTP and ResourceExhausted over gRPC. For the erroring
// limiter RetryAfter is the time until the bucket holds a token again.
// The delaying limiter refuses only a call whose wait would pass its
// context's deadline, at once rather than after waiting in vain, also with
// ErrLimited (not context.DeadlineExceeded: the deadline has not passed,
// the limit is why the call cannot be served) and RetryAfter set to the
// wait it would have needed. A call whose context ends while it waits
// returns the context's error, wrapped, and its reserved token goes back
// to the bucket for later callers.
//
// # Observing
//
// LimiterInfo makes a Limiter an introspect.LimiterSource (rate, burst,
// tokens now, allowed and rejected counts); WithRegistry registers it and
// publishes rejections as events coalesced to at most one per second, each
// with the count since the previous one, so a flood of rejections never
// becomes a flood of events. When the context carries a recording span, a
// wait or a refusal adds a "ratelimit" span event.
//
// # Concurrency
//
// A Limiter is safe for concurrent use; every endpoint it wraps shares one
// bucket. It starts no goroutine of its own except a timer, armed only
// while rejections wait to be reported, that fires within a second. Time
// comes from time.Now, so limiters run on the fake clock of a
// testing/synctest bubble.
package ratelimit
