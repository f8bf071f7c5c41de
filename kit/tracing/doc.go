// Package tracing puts every endpoint call in an OpenTelemetry span, carries
// W3C trace context across HTTP and gRPC hops, and keeps the most recent
// finished spans in a bounded ring that the introspection protocol serves.
//
// Trace every endpoint on both sides of a hop: a server span tells you what
// a call cost here, the client span beside it what it cost the caller, and
// the gap between them is the network and the queue. Tracing is cheap
// enough to leave on: over a Provider (NewProvider) whose sampler would
// drop the call, Middleware starts no span and allocates nothing; over any
// other TracerProvider it leaves that decision to the SDK.
//
// # Usage
//
//	reg := introspect.NewRegistry(info)
//	ring := tracing.NewRing(0, reg) // serves /debug/kit/v1/spans and span events
//	tp, err := tracing.NewProvider("bookstore", ring, tracing.WithOTLP()) // WithOTLP is optional
//	if err != nil { … }
//	defer tp.Shutdown(ctx)
//
//	getBook = tracing.Middleware(tp, "GetBook")(getBook)
//	// HTTP server: before hook tracing.HTTPServerBefore(nil)
//	// HTTP client: tracing.Middleware(tp, "GetBook", tracing.WithSpanKind(trace.SpanKindClient))
//	//              and before hook tracing.HTTPClientBefore(nil)
//	// gRPC: tracing.GRPCServerBefore(nil), tracing.GRPCClientBefore(nil)
//
// The hooks have the shapes of kit/transport/http's and kit/transport/grpc's
// hook types, so they plug into those transports directly. Other
// middlewares record their decisions on the current span with AddEvent and
// the Event… names (EventBreaker, EventLimiter, EventRetry, EventInstance).
//
// # Concurrency
//
// Middleware, the hooks, AddEvent, Ring and Provider are safe for
// concurrent use. A Ring takes a short mutex per finished span and per
// page read; spans are converted outside it.
//
// # Failure behaviour
//
// Tracing never fails a call: a missing or malformed traceparent header
// starts a new trace, a nil provider disables spans, and a full ring
// overwrites its oldest span (readers see how many they missed in the
// dropped count). What a span carries into the ring is bounded — at most 32
// attributes and 32 events, keys of 128 bytes, values, names and status
// messages of 256 bytes — because attribute values can be remote input.
// No error text leaves the process through a span: Middleware describes a
// failed call with transport.Summary (its status and client-safe text,
// such as "404 Not Found: no such book" or "500 Internal Server Error"),
// and the ring, which /debug/kit/v1/spans serves, drops other scopes'
// status messages and RecordError's exception.message and stacktrace. Log
// the error for its full text.
// An OTLP collector that is down loses spans in the exporter's batch
// queue, never blocks a call. Exporting stops when the caller shuts the
// Provider down; the ring keeps what it holds.
package tracing
