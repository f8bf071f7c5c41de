// Package instance makes a kit service an observable, registered instance
// in a few lines. It is a toolkit piece, not a framework: everything it does
// is a handful of calls to kit/introspect, kit/metrics, kit/tracing and
// kit/sd/consul that a service can make by hand instead (the tutorial shows
// both).
//
// New creates, for one service instance: its id, the introspection registry
// (kit/introspect) that the breakers and limiters made through it register
// in, a Prometheus registry with Go runtime and process metrics, kit's RED
// metrics and the breaker and limiter collectors, a tracer provider whose
// spans go to the introspection span ring and, when the standard
// OpenTelemetry variables say so (OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_TRACES_EXPORTER, …; see tracing.FromEnv), to an OTLP collector such
// as Jaeger or Tempo, and the admin listener that serves them (the RED
// metrics both on /metrics and as the compact /debug/kit/v1/red the
// workbench reads).
//
// # Usage
//
//	inst, err := instance.New(instance.Config{Service: "stringsvc", Registry: "127.0.0.1:8500"})
//	// … build endpoints, wrapping each with inst.Observe(name, "http"),
//	// breakers with inst.Breaker, limiters with inst.ErroringLimiter …
//	if _, err := inst.ServeHTTP("127.0.0.1:8080", router); err != nil { … }
//	return inst.Run(context.Background()) // until SIGINT or SIGTERM
//
// ServeHTTP and ServeGRPC publish the transport and its endpoints (a
// kithttp.Router's routes with their request and response fields; every
// method of every service on a *grpc.Server but the health and reflection
// services; Endpoints replaces them with the service's own docs), and
// Serve runs any other transport (Thrift) the same way. Start serves them
// and registers the instance with the registry with kit's metadata —
// sd.MetaHTTP, sd.MetaGRPC and sd.MetaThrift as host:port, sd.MetaAdmin as
// the admin base URL, forms the helper keeps straight so the service need
// not. Shutdown stops in order: deregister first, wait Config.DrainDelay
// for callers to notice, run the BeforeStop functions (health NOT_SERVING,
// ending long-lived streams), stop the listeners gracefully, flush spans,
// close the admin listener. Run is Start, a wait for SIGINT, SIGTERM, the
// context's end or a listener's failure, and Shutdown; a process that runs
// several instances (a test, a demo) calls Start and Shutdown itself.
//
// PanicPolicy is the panic policy for the instance's servers: the
// instance's logger, kit_panics_total on its /metrics, and the span
// marking.
//
// With Config.Controls set, the admin listener also serves the
// introspection protocol's controls (kitbench fault, breaker, limit,
// drain): faults reach the endpoints the service wraps with
// Faults().Middleware, breakers and limiters made through the instance can
// be steered, and a drain deregisters the instance while it goes on
// serving. New refuses controls on a non-loopback admin address unless
// the policy allows them.
//
// # Concurrency
//
// The methods are safe for concurrent use. Serve* must come before Start
// or Run, which may be called once; Shutdown may be called more than once
// and returns the first call's result.
//
// # Failure behaviour
//
// New fails on an empty service name, an admin address that cannot be
// listened on, or OpenTelemetry variables kit cannot honour
// (tracing.ErrEnv). Start and Run fail, after undoing what they started,
// when the registry cannot be reached — unless Config.RegistryOptional,
// which logs a warning and runs unregistered. A listener that fails on its
// own closes Done (Err says which); Run then shuts down and returns that
// error. A failed deregistration is logged and
// the shutdown goes on: the registry's TTL check removes the instance.
package instance
