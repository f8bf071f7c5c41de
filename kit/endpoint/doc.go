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
// # Streams
//
// A StreamEndpoint is one streaming call (server-streaming,
// client-streaming or bidirectional): a function of a context and a Stream
// it receives requests from and sends responses on. StreamMiddleware and
// ChainStream decorate it as Middleware and Chain decorate an Endpoint; a
// middleware sees the stream start when it is called, each message by
// wrapping the Stream, and the end when next returns. ServerStream,
// ClientStream and BidiStream adapt typed functions:
//
//	watch := endpoint.ServerStream(func(ctx context.Context, req WatchRequest, out endpoint.Sender[Event]) error {
//		...
//	})
//	watch = endpoint.ChainStream(logging, metrics, breaker)(watch)
//
// # Failure behaviour
//
// An Endpoint reports failure through its error. Typed endpoints never panic
// on a request of the wrong type; they return an error that wraps
// ErrRequestType and names both types; the typed stream helpers do the same
// for a received message of the wrong type, and ServerStream reports a
// stream without its request with ErrNoRequest. Responses that carry a business error
// (a failed validation, say, that should still be encoded as a normal
// response) implement Failer, so middlewares can count them as failures
// without knowing the response type.
package endpoint
