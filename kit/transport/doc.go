// Package transport holds the small vocabulary that every kit transport
// (HTTP, gRPC, Thrift) shares: the interfaces an error implements to choose
// how it appears on the wire.
//
// Middlewares and services never import a transport to pick a status code.
// Instead their errors implement StatusCoder (an HTTP status, which the gRPC
// and Thrift transports translate to their own codes) and,
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
// # Reasons
//
// An error a client may see carries a machine-readable reason, so a caller
// can tell a breaker's refusal from the failure of a handler although both
// are "unavailable" or "internal" by status: ReasonOf gives it. A Reasoner
// in the error's chain chooses it (kit/circuitbreaker's rejection says
// breaker_open, kit/ratelimit's refusal rate_limited, an Error with Reason
// set the service's own); otherwise it follows from the status: deadline
// (504), unavailable (502, 503), rate_limited (429), internal (any other
// 5xx, a recovered panic included); a client error has none unless one is
// given. ReasonFaultInjected is reserved for fault-injection controls.
// Reasons are lower_snake_case tokens (ValidReason); a malformed one is
// ignored. HTTP sends the reason as the "reason" field of the JSON error
// body, gRPC in a google.rpc.ErrorInfo detail of domain ReasonDomain (its
// reason upper-cased, as ErrorInfo asks), Thrift in a declared exception's
// reason field when the IDL has one.
//
// kit's clients read the reason back and keep it as sent; as a Reasoner
// they report the reason a gateway passes on to its own caller
// (PassOnReason): an upstream's breaker_open becomes unavailable, since
// the gateway's caller must not take the upstream's breaker for the
// gateway's, and the upstream breaker's Retry-After is not passed on.
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
// kit_panics_total{endpoint,transport} when the service gave it a counter
// (metrics.NewPanicCounter, registered with its own Prometheus registry),
// and a "panic" event with an error status on the span in the call's
// context when it gave it tracing.MarkPanicked. Recovery is always on;
// the policy only chooses what is recorded.
//
// # Dependencies
//
// This package, which every kit transport imports, imports no gRPC,
// protobuf, Prometheus or OpenTelemetry package, so that an HTTP-only
// service links none: a gRPC status is read through its GRPCStatus method
// by its code's number (kit/transport/grpc's Code and HTTPStatus are the
// translations with grpc's types), and panics are counted and traced
// through the hooks of PanicPolicy. A panic with
// http.ErrAbortHandler keeps its meaning: the HTTP transport lets it
// through to net/http, which aborts the response without logging.
package transport
