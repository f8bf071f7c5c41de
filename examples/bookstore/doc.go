// Package bookstore is the Book service built with kit: the example every
// kitbench guide and demo uses. It shows the go-kit shape end to end — a
// plain Go interface (Service), one Endpoint per method (MakeEndpoints), and
// the same endpoints served over HTTP/JSON and gRPC. Start runs one
// instance with kit/instance: its id, introspection and Prometheus
// registries, tracer, admin listener, registration and ordered shutdown.
//
// The store is in memory and safe for concurrent use. Books are listed in
// creation order, a page at a time, with an opaque page token.
//
// Over gRPC the service also streams (MakeStreamEndpoints, through kit's
// stream adapters and the same middlewares as the unary methods):
// WatchBooks sends the current books and then every change, from the
// Store's change feed (Subscribe); ImportBooks adds many books and answers
// one summary; SyncBooks compares a caller's copy of the shelf with the
// store's, answering each book as it is named.
//
// # Failure behaviour
//
// Invalid input (an empty title, a bad page size or token) is a 400-class
// *transport.Error whose message names the field; a missing book is 404.
// Both travel to clients as the transports' status codes (InvalidArgument
// and NotFound over gRPC).
//
// The change feed never waits for a subscriber: each has a bounded buffer
// (WatchBuffer), and one that lets it fill is dropped, so its watch ends
// with ResourceExhausted (ErrWatchFellBehind) and the caller watches
// again. A watch ends when its caller cancels, leaving nothing behind, and
// with Unavailable (ErrShuttingDown) when the instance shuts down. An
// import refuses invalid books one by one, listing them in its summary,
// and at most MaxImportBooks per call; it fails as a whole only when the
// stream does.
package bookstore
