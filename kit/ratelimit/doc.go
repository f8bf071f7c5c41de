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
// StatusCode() == 429, RetryAfter() and ErrorReason() == "rate_limited", so
// kit/transport answers 429 with Retry-After over HTTP and
// ResourceExhausted over gRPC, with the reason rate_limited. For the erroring
// limiter RetryAfter is the time until the bucket holds a token again.
// The delaying limiter refuses a call at once, rather than after waiting
// in vain, when its wait would pass its context's deadline, also with
// ErrLimited (not context.DeadlineExceeded: the deadline has not passed,
// the limit is why the call cannot be served) and RetryAfter set to the
// wait it would have needed, counting the callers already waiting ahead of
// it. It also refuses a call that finds WithMaxWaiters callers (by
// default DefaultMaxWaiters) already waiting, with an error matching both
// ErrLimited and ErrTooManyWaiters. Waiting callers are served in the
// order they came. A call whose context ends while it waits returns the
// context's error, wrapped, and leaves the bucket exactly as if it had
// never come; the callers behind it move up.
//
// # Why the delaying limiter does not use rate.Limiter.Wait
//
// A rate.Limiter keeps its bucket as one number of tokens, which goes
// below zero as callers reserve future tokens, and gives each reservation
// a fixed time to act. Cancelling a reservation can give back only the
// tokens that no later reservation has been promised, so cancelling any
// but the newest gives back nothing: the bucket stays in debt by one token
// for each, and later callers, who are refused when the debt puts their
// token past their deadline, pay it off at the limiter's rate (after a
// thousand waiters at 10/s gave up oldest first, the next caller's token
// was 100 s away). So the delaying limiter reserves nothing. Waiting callers form a
// queue; the first of them waits until the bucket holds a whole token and
// takes it (rate.Limiter.AllowN), then the next one's turn begins. A
// caller that leaves the queue has taken nothing. Both limiters keep the
// bucket in a rate.Limiter, so its arithmetic is the same for both.
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
// while rejections wait to be reported, that fires within a second; a
// delaying limiter's callers wait in their own goroutines. Time
// comes from time.Now, so limiters run on the fake clock of a
// testing/synctest bubble.
package ratelimit
