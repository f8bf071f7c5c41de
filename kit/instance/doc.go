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
// services). Run registers the instance with the registry with kit's
// metadata — sd.MetaHTTP and sd.MetaGRPC as host:port, sd.MetaAdmin as the
// admin base URL, forms the helper keeps straight so the service need not —
// and on SIGINT, SIGTERM or the context's end shuts down in order:
// deregister first, wait Config.DrainDelay for callers to notice, stop the
// listeners gracefully, flush spans, close the admin listener.
//
// # Concurrency
//
// The methods are safe for concurrent use. Serve* must come before Run;
// Run and Shutdown may each be called once.
//
// # Failure behaviour
//
// New fails on an empty service name, an admin address that cannot be
// listened on, or OpenTelemetry variables kit cannot honour
// (tracing.ErrEnv). Run fails, after undoing what it started, when the
// registry cannot be reached — unless Config.RegistryOptional, which logs
// a warning and runs unregistered — and returns the first listener error
// if a listener fails on its own. A failed deregistration is logged and
// the shutdown goes on: the registry's TTL check removes the instance.
package instance
