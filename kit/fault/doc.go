// Package fault injects faults into endpoints on purpose, while a
// developer asks for them: latency (fixed or a range), errors at a rate
// with a chosen status and the reason "fault_injected", aborts (the
// transport's own abrupt failure), and for streams the same after a
// number of messages. It is the middleware behind the introspection
// protocol's fault controls (kit/introspect's ControlsPath): register an
// Injector with the service's introspect.Registry, wrap each endpoint
// with it, and the workbench can then make "GetBook slow for a minute"
// without a restart, a proxy or a mesh.
//
// Wrap every server endpoint of a service that enables controls
// innermost, next to the service's own code: the breaker, the limiter,
// the metrics and the span then see an injected failure as they would
// see a real one (a service whose GetBook fails trips its GetBook
// breaker), and the span says it was injected.
//
// # Usage
//
//	inj := fault.New(fault.WithRegistry(reg))
//	getBook = endpoint.Chain(observe, breaker.Middleware, inj.Middleware("GetBook"))(getBook)
//	watch = inj.StreamMiddleware("WatchBooks")(watch)
//
// # Cost
//
// With no fault set on an endpoint, its middleware is one atomic load
// and a branch: about a nanosecond and no allocation per call (see
// BenchmarkMiddlewareNoFault). Faults are for development; nothing is
// injected until a fault is set.
//
// # Failure behaviour
//
// An injected error matches ErrInjected, has the status asked for (503
// by default; gRPC gets the matching code) and the reason
// transport.ReasonFaultInjected, and says so on the call's span (an event
// named "fault"), so nobody takes it for a real failure. An abort
// matches transport.ErrAbort too, and the kit transports end the call
// their own abrupt way: an HTTP response is aborted (the client sees the
// connection reset), a Thrift connection is closed without a reply, and
// gRPC answers Unavailable. An injected delay ends early, with the
// context's error, when the caller's context ends.
//
// # Concurrency
//
// An Injector is safe for concurrent use: SetFault and ClearFault swap an
// immutable fault that calls in flight keep using.
package fault
