// Package http is kit's HTTP/JSON transport: it turns an HTTP request into
// an endpoint call and the endpoint's answer back into an HTTP response
// (Server), and a remote HTTP endpoint back into an endpoint.Endpoint
// (Client). Import it as kithttp.
//
// The request flow is go-kit's: decode → endpoint → encode, with hooks
// before and after. What differs is the defaults. A kit HTTP service is
// safe without asking: bodies are capped, the *http.Server from
// NewHTTPServer has header, read, write and idle timeouts and a header size
// limit, every response carries a request id, and an internal error is
// never described to the client. A typical JSON endpoint needs no
// hand-written codec: DecodeJSONRequest and EncodeJSONResponse are the
// codec, and JSONDecoder adds path parameters from Go's ServeMux patterns.
//
// # Usage
//
//	rt := kithttp.NewRouter()
//	err := rt.Handle("GetBook", "GET", "/books/{id}", kithttp.NewServer(
//		endpoint.Typed(svc.GetBook),
//		kithttp.JSONDecoder[GetBookRequest](), // fills `path:"id"` fields
//		kithttp.EncodeJSONResponse,
//	))
//	// handle err: a bad or conflicting pattern registers nothing
//	srv := kithttp.NewHTTPServer("127.0.0.1:8080", rt)
//	err = srv.ListenAndServe()
//
// A Router answers unknown routes with 404 and known routes called with the
// wrong method with 405 (and an Allow header), both as JSON, and lists what
// it serves for the introspection protocol (Endpoints).
//
// # Failure behaviour
//
// Every error becomes a JSON body {"error": msg, "status": code,
// "reason": reason, "request_id": id} written by the ErrorEncoder (DefaultErrorEncoder unless
// replaced). The status comes from transport.StatusOf: errors implementing
// transport.StatusCoder choose it, a raw gRPC status maps its code (NotFound
// is 404), deadline exceeded is 504, the caller's own cancellation 499
// (client closed request), anything else is 500. The reason is
// transport.ReasonOf(err), a machine-readable token (breaker_open,
// rate_limited, deadline, unavailable, internal or the service's own) that
// tells a breaker's refusal from a failure; it is omitted when there is
// none. Below 500 the message is
// transport.ClientMessage(err), the client-safe text of the error that
// chose the status and never the chain wrapping it; at 500
// and above it is only the standard status text, so internals (SQL, paths,
// addresses) never leak — the request id in the body and in the
// X-Request-Id header is what ties a report to the server's logs, and
// ServerErrorHandler is where a service logs the cause with that id.
// Malformed JSON, a value of the wrong type and an unknown field are 400
// with a message naming the field (by its path, found by walking the body
// against the type, not by reading encoding/json's error text) or the byte
// offset; a body over the limit
// (ServerMaxBodyBytes, 4 MiB by default) is 413. Errors implementing
// transport.RetryAfterer add a Retry-After header and transport.Headerer
// adds its headers. A response implementing endpoint.Failer with a non-nil
// Failed() is encoded as that error.
//
// A panic in a Server's hooks, decoder, endpoint or encoder is recovered:
// the client gets a 500 with the standard status text, and the panic is
// logged (the stack, not the panic value unless asked), counted and traced
// by the Server's transport.PanicPolicy (ServerPanicPolicy). A Router
// records a panic of any other handler with its own policy
// (RouterPanicPolicy) and aborts that response, as it does for a Server
// whose encoder had already written: net/http closes the connection
// without logging. A panic with http.ErrAbortHandler passes through
// untouched, with net/http's meaning.
//
// The Client maps the other direction (its before-hooks' context is the
// request's, so a deadline or an httptrace.ClientTrace they add applies):
// a non-2xx answer becomes a
// *ResponseError carrying the status, the server's message and reason and
// its request id, so a gateway that returns it answers with the same status
// (an upstream's breaker_open is passed on as unavailable, without the
// upstream breaker's Retry-After); a transport failure is 502, and the
// caller's deadline is honoured (504).
//
// # Concurrency
//
// Server, Client and Router are safe for concurrent use once built. Router
// routes may be added while serving.
package http
