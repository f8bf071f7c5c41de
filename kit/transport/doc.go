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
// # Failure behaviour
//
// An error that implements none of these interfaces is an internal error:
// transports answer 500 / Internal with a generic message and never send
// err.Error() to the client. An error whose status is below 500 is a client
// error and its message is sent as is, so such messages must not carry
// secrets or internals.
package transport
