// Package endpoint defines the unit every other kit package builds on: an
// Endpoint is one remote procedure call, a function from a request to a
// response.
//
// A service is a plain Go interface. Each of its methods is adapted into an
// Endpoint; transports (kit/transport/http, kit/transport/grpc) turn wire
// requests into Endpoint calls, and every cross-cutting concern (logging,
// metrics, circuit breaking, rate limiting, tracing, authentication) is a
// Middleware that wraps an Endpoint. Keep business logic in the service and
// wire concerns in transports; an Endpoint is the seam between the two.
//
// # Usage
//
// Write the service method as a typed function and adapt it with Typed:
//
//	getBook := endpoint.Typed(func(ctx context.Context, req GetBookRequest) (*Book, error) {
//		return svc.GetBook(ctx, req.ID)
//	})
//	getBook = endpoint.Chain(logging, metrics, breaker)(getBook)
//
// Chain puts its first argument outermost: it sees the request first and the
// response last.
//
// # Failure behaviour
//
// An Endpoint reports failure through its error. Typed endpoints never panic
// on a request of the wrong type; they return an error that wraps
// ErrRequestType and names both types. Responses that carry a business error
// (a failed validation, say, that should still be encoded as a normal
// response) implement Failer, so middlewares can count them as failures
// without knowing the response type.
package endpoint
