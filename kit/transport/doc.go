// Package transport holds the small vocabulary that every kit transport
// (HTTP, gRPC, Thrift) shares: the interfaces an error implements to choose
// how it appears on the wire.
//
// Middlewares and services never import a transport to pick a status code.
// Instead their errors implement StatusCoder (an HTTP status, which the gRPC
// and Thrift transports translate to their own codes with GRPCCode) and,
// where a client should wait before retrying, RetryAfterer. A transport looks
// for these with errors.As, so wrapping with %w keeps them visible.
//
// # Failure classes
//
// Classify is kit's one definition of a failure, used by the circuit
// breaker, sd.Stats, outlier ejection and the workbench's metrics views: a
// Failure is the callee's fault (5xx, an error without a status, a timeout
// further down or one imposed with WithTimeout); a ClientError (4xx and
// their gRPC codes, 429 / ResourceExhausted included, so one client over its
// quota cannot open a breaker that all callers share), the caller's
// cancellation (Canceled) and the caller's own deadline (CallerDeadline)
// are not. A raw gRPC status (status.Error(codes.NotFound, …)) is read by
// its code through its GRPCStatus method, without importing grpc's status
// package, so it keeps its meaning on every transport.
//
// # Failure behaviour
//
// An error that implements none of these interfaces is an internal error:
// transports answer 500 / Internal with a generic message and never send
// err.Error() to the client. An error whose status is below 500 is a
// client error and the client gets ClientMessage(err): the text of the
// error that chose the status (a ClientMessager's, a StatusCoder's own
// message, a gRPC status's message), never the chain wrapped around it, so
// those messages must not carry secrets or internals. Text that leaves the
// process by other ways (spans, breaker failures on the introspection API)
// is Summary(err): the status and the client-safe text only.
//
// A panic in a handler does not end the process. Every kit server
// (kithttp, kitgrpc and kitthrift Servers, and kitthrift's SocketServer)
// recovers it, answers the call as an internal error with no text of the
// panic's, and hands it to a PanicPolicy: one Error log record with the
// stack (without the panic value unless PanicPolicy.LogValues is set),
// kit_panics_total{endpoint,transport} when the service gave it a
// PanicCounter registered with its own Prometheus registry, and a "panic"
// event with an error status on the span in the call's context. Recovery
// is always on; the policy only chooses what is recorded. A panic with
// http.ErrAbortHandler keeps its meaning: the HTTP transport lets it
// through to net/http, which aborts the response without logging.
package transport
