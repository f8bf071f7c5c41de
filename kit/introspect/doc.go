// Package introspect makes a service observable by kitbench: a Registry of
// the service's observable parts (endpoints, circuit breakers, rate
// limiters, recent spans, live events) and the admin HTTP handler that
// serves it as introspection protocol v1 (specified in
// docs/introspection.md).
//
// Observability is explicit. There is no global registry: the service
// creates one, registers each component it wants to be seen, and serves it
// on an admin listener of its own, next to Prometheus /metrics. Anything the
// workbench shows about a service comes through this handler.
//
// # Usage
//
//	reg := introspect.NewRegistry(introspect.Info{Service: "books", InstanceID: id, StartTime: time.Now()})
//	reg.AddBreaker(breaker) // anything with BreakerInfo()
//	h := introspect.NewHandler(reg, introspect.WithMetrics(promRegistry))
//	defer h.Close()
//	admin, err := introspect.ListenAdmin("", h) // 127.0.0.1, a free port
//	...
//	defer admin.Shutdown(ctx)
//
// The wire types (Info, Breaker, Limiter, SpanPage, Event, ErrorBody) are
// defined once, here, and shared by servers and clients; a golden-file
// test pins their JSON so that a renamed field fails the build. The
// endpoint descriptions (EndpointDoc, MessageDoc, FieldDoc, DescribeType)
// live in kit/introspect/schema, which imports only the standard library,
// so that kit/transport/http can describe its routes without linking the
// handler's Prometheus exposition; this package names them with aliases.
// This package imports Prometheus (for WithMetrics); a service that does
// not import it links none of Prometheus.
//
// # Controls
//
// The handler's only writes are controls (ControlsPath): faults injected
// into an endpoint (kit/fault), breakers forced open or closed, limiters
// overridden, an instance drained from discovery. They are off unless
// WithControls enables them, need the bearer token when one is set, are
// refused on a connection to a non-loopback address unless
// ControlPolicy.AllowNonLoopback, and each has a TTL (DefaultControlTTL,
// at most MaxControlTTL) after which it reverts by itself. Every change is
// an EventControl event, and the controls in force are in Info.Controls.
//
// # Concurrency
//
// Registry and Handler are safe for concurrent use. Publish never blocks:
// each /events connection has its own bounded buffer, and a client that
// reads too slowly misses events rather than slowing the publisher; it is
// told how many it missed with a "dropped" event.
//
// # Failure behaviour
//
// Errors are JSON ErrorBody values: 403 for a Host header that names
// neither loopback nor the listener (a guard against DNS rebinding, checked
// first; see WithAllowedHosts), 400 for a bad query parameter (naming
// it), 401 with WWW-Authenticate when a bearer token is required and
// missing or wrong, 404 for an unknown path, 405 with Allow for a wrong
// method, 503 for /events after Close. Control writes add 403 when
// controls are disabled or the connection is not loopback, 400 naming
// the body field at fault (ErrorBody.Param), 415 for a body that is not
// JSON, and 404 for a target the instance does not have; Close reverts
// the controls in force (but a drain). An /events stream ends when the
// client disconnects, when Handler.Close or AdminServer.Shutdown is called,
// or when the client stops reading for longer than the stream's write
// timeout; its goroutine always returns.
package introspect
