// Package introspect is kitbench's client of the introspection protocol v1
// that kit services serve on their admin listener (kit/introspect; spec in
// docs/introspection.md). It reads /info, /breakers, /limiters and /spans,
// and follows /events, and it is the only way kitbench learns what a
// service is doing.
//
// A remote admin listener is not trusted. Every request has a timeout,
// every body a size cap, every server-sent event a size cap, and an answer
// that is not protocol v1 is an error that says what was found instead.
//
// # Usage
//
//	admin, err := introspect.AdminURL(instance) // from sd.MetaAdmin
//	if errors.Is(err, introspect.ErrNoAdmin) { /* show "no admin", not a failure */ }
//	c, err := introspect.New(admin, introspect.Options{Token: token})
//	info, err := c.Info(ctx)
//	err = c.Follow(ctx, 0, func(u introspect.Update) { ... }) // until ctx ends
//
// # Concurrency
//
// A Client is safe for concurrent use and owns no goroutines. Follow runs
// until its context ends; while it runs it owns one goroutine that reads
// the event stream, and it stops and waits for it before returning. Follow
// calls emit from its own goroutine, one update at a time; a slow emit
// slows only this instance's stream (the server then drops events for us
// and says so, and Follow fetches the missed spans by cursor).
//
// # Failure behaviour
//
// Errors wrap the package sentinels: ErrNoAdmin (the instance publishes no
// admin listener: a state to show, not a failure), ErrProtocol (another
// protocol version, named when it can be found), ErrBadResponse (garbage),
// ErrTooLarge, ErrTruncated, ErrUnauthorized (saying whether a token was
// sent), ErrNoStream, ErrStreamIdle, ErrTokenRef (NewForInstance: an
// instance's kit_admin_token_ref that cannot be followed; only
// env:KITBENCH_ADMIN_TOKEN_* is).
//
// Follow never gives up: when the instance stops answering it reports
// ModeDown with the error at once and reconnects with jittered exponential
// backoff (BackoffMin doubling to BackoffMax). When /events is missing or
// not an event stream, or a stream breaks while the instance still
// answers, it polls every Interval and tries the stream again every 20
// intervals. Every read has a bound: each JSON request and the wait for the
// stream's headers take at most Timeout, and the stream, long-lived by
// design, may stay silent at most StreamIdle (45 s: three of the server's
// 15 s heartbeats) before it counts as broken (ErrStreamIdle). While
// streaming, the refresh every Interval is a health probe, so a hung
// instance is reported ModeDown within Interval + Timeout. A malformed or oversized event is reported as a KindProblem
// update and skipped; the stream goes on. Memory is bounded by MaxBody per
// response and MaxEvent per event.
package introspect
