// Package bookstore is the Book service built with kit: the example every
// kitbench guide and demo uses. It shows the go-kit shape end to end — a
// plain Go interface (Service), one Endpoint per method (MakeEndpoints), and
// the same endpoints served over HTTP/JSON and gRPC.
//
// The store is in memory and safe for concurrent use. Books are listed in
// creation order, a page at a time, with an opaque page token.
//
// # Failure behaviour
//
// Invalid input (an empty title, a bad page size or token) is a 400-class
// *transport.Error whose message names the field; a missing book is 404.
// Both travel to clients as the transports' status codes (InvalidArgument
// and NotFound over gRPC).
package bookstore
