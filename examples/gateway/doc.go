// Package gateway is the client side of the Book service built with kit: a
// small service that serves the Book API itself (the bookstore's HTTP routes
// and its gRPC service) and answers every call by calling the bookstore
// fleet. It is what a kit client should look like — discovery, load
// balancing, retries and a circuit breaker on every call to another
// service, all observable on the gateway's own admin listener.
//
// Each call goes through, outermost first:
//
//	server span → log record → RED metrics (per transport)
//	→ rate limiter → circuit breaker (one per method)
//	→ Retry with a budget → Outlier(P2C) balancer → client span → the instance
//
// The streaming methods (WatchBooks, ImportBooks, SyncBooks; gRPC only) are
// proxied: each stream picks one instance through the same balancer, when
// it starts, and is relayed to that instance's gRPC address (kit_grpc,
// whatever the Upstream) by a kit StreamClient, through the rate limiter,
// a breaker per method and the stream observers:
//
//	server span → log record → stream metrics → open-streams count
//	→ rate limiter → circuit breaker → Outlier(P2C) pick → client span → the instance
//
// Instances come from the registry (a consul.Instancer on service
// "bookstore", against Consul or kitbench's dev registry) or from a static
// list (sd.FixedInstancer), through an sd.Endpointer whose Factory dials each
// instance over gRPC (at its kit_grpc address) or HTTP (kit_http).
//
// # Usage
//
//	gw, err := gateway.Start(gateway.Config{Registry: "127.0.0.1:8500"})
//	if err != nil { … }
//	defer gw.Shutdown(ctx)
//	// the Book API at http://gw.HTTPAddr and gw.GRPCAddr; kitbench finds
//	// the gateway as service "gateway" in the same registry.
//
// # Discovery defaults
//
// The consul Instancer's own defaults (burst 2, then one query per 15 s)
// protect a registry from a spinning watch loop, but they would also delay
// every fleet change by up to 15 s. A gateway follows one service, so it
// queries at most once per DefaultDiscoveryEvery after a burst of
// DefaultDiscoveryBurst: fleet changes reach it within about a second, and a
// churning registry sees at most one query per second from it. Blocking
// queries wait DefaultDiscoveryWait.
//
// # Failure behaviour
//
// An instance that fails (5xx, or no answer within the per-attempt timeout)
// costs a retry on another instance, within a budget of 20 % of requests
// plus 3 per 10 s, so a failing fleet is not hammered. CreateBook is never
// retried: an instance that stored the book and then failed would store it
// twice. An instance with 5 consecutive failures — or, with
// Config.Outlier's FailureRatio, too large a share of failures over its
// window — is ejected for 30 s (longer each time), at most 10 % of the
// fleet (at least one); ejections are logged with the rule that decided
// them, recorded on the call's span ("lb.eject"), published as breaker
// transitions of a per-instance breaker named "outlier/bookstore/ID"
// (listed at /debug/kit/v1/breakers; its policy is the rule, "consecutive"
// or "ratio", and its counts the calls the rule judged) that carry the
// failed calls which led to the ejection — error, time, trace id — so the
// workbench's "why did it trip?" explains ejections as it does breakers,
// and counted in
// kit_lb_ejections_total and kit_lb_ejected. When every instance fails, the per-method breaker
// opens and calls fail fast with 503 until it half-opens. A registry that
// blinks never empties the set: the last known instances keep being served.
// Errors from instances keep their status; a 5xx never carries the
// instance's message to the gateway's caller.
//
// A stream is neither retried nor failed over: the messages it has carried
// cannot be replayed on another instance. When its instance breaks it (a
// server error, a lost connection, an instance that leaves discovery, a
// watch that ends), the caller's stream ends with Unavailable and the
// caller starts a new one, which the balancer places on a live instance.
// The instance's client errors (a watcher that fell behind gets
// ResourceExhausted) reach the caller as they are. Streams are not counted
// in the instances' in-flight figures that P2C balances by, nor in their
// failure counts. On shutdown the gateway ends its watches with
// Unavailable, so a graceful stop does not wait for them.
package gateway
