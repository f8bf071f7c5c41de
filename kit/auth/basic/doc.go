// Package basic guards endpoints with HTTP Basic authentication (RFC 7617):
// one user and password, compared in constant time.
//
// Basic auth is for machine-to-machine calls inside a trusted network and
// for admin endpoints, always over TLS: the password travels with every
// request. For anything that faces users, prefer kit/auth/jwt.
//
// # Usage
//
//	ep = basic.Middleware("admin", secret, "bookstore admin")(ep)
//	// HTTP server: before hook basic.HTTPToContext
//	// gRPC server: before hook basic.GRPCToContext ("authorization" metadata)
//
// # Failure behaviour
//
// A missing, malformed (wrong scheme, bad base64, no colon, more than one
// Authorization value, over 1 KiB) or wrong credential fails the call
// before the endpoint runs, with an error that wraps ErrMissing,
// ErrMalformed or ErrInvalid and carries status 401 and a
// `WWW-Authenticate: Basic realm="…"` challenge, which kit's transports
// send (gRPC answers Unauthenticated). The comparison does not stop at the
// first wrong byte, and compares fixed-size digests, so neither timing nor
// length reveals how close a guess was.
//
// # Concurrency
//
// The middleware and hooks are safe for concurrent use.
package basic
