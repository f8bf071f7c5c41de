// Package thrift is kit's Thrift transport: a Server that runs an endpoint
// inside a method of a Thrift-generated service handler, a Client that
// turns a method of a generated client back into an endpoint, and the
// framed socket plumbing under both (SocketServer, Pool). Import it as
// kitthrift.
//
// go-kit leaves Thrift to its users. Here the generated code stays in
// charge of the wire (the compiler's structs, processors and clients are
// used as they are) and kit adds the endpoint in the middle, so every
// middleware (logging, metrics, breakers, limiters, tracing, auth) applies
// to Thrift exactly as to HTTP and gRPC.
//
// Thrift's binary and compact protocols carry no headers, so the hooks see
// the context and the request or response, not metadata; a trace or a token
// that must travel belongs in the IDL's request structs.
//
// # Usage
//
// A server wraps each endpoint once and calls it from the generated
// handler's method; a SocketServer serves the generated processor:
//
//	type handler struct{ get *kitthrift.Server }
//
//	func (h *handler) GetBook(ctx context.Context, r *bookthrift.GetBookRequest) (*bookthrift.Book, error) {
//		return kitthrift.Serve[*bookthrift.Book](ctx, h.get, r)
//	}
//
//	h := &handler{get: kitthrift.NewServer(getEndpoint, decodeGet, encodeBook,
//		kitthrift.ServerErrorEncoder(toDeclaredExceptions))}
//	srv := kitthrift.NewSocketServer(bookthrift.NewBookServiceProcessor(h), kitthrift.SocketConfig{})
//	go srv.Serve(ln) // on shutdown: srv.Shutdown(ctx)
//
// A client is a Pool of connections to one address and one Client per
// method:
//
//	pool := kitthrift.NewPool(addr, kitthrift.PoolConfig{Protocol: kitthrift.Compact})
//	get := kitthrift.NewClient(pool,
//		kitthrift.Method(bookthrift.NewBookServiceClient, (*bookthrift.BookServiceClient).GetBook),
//		encodeGet, decodeBook).Endpoint()
//
// # Cost
//
// A call through a Server with no hooks allocates nothing of its own: what
// it adds to a hand-written handler is what the decode and encode funcs
// allocate and the boxing of the endpoint's request and response in
// interfaces (two allocations for struct values).
//
// # Observing calls
//
// SocketConfig.Observe sees every call a SocketServer serves, just before
// its reply is sent: the raw request and reply messages, timing, and the
// error a kit Server's call failed with (an Exchange the connection
// reuses; the observer copies what it keeps). recorder/capture's exchange
// ring uses it to keep Thrift calls. Nil, the default, costs nothing.
//
// # Concurrency
//
// Server, Client, Pool and SocketServer are safe for concurrent use; hooks
// and codec funcs run on the calling goroutine and must be safe for
// concurrent use themselves. A SocketServer serves each connection on one
// goroutine, one request after another; a Pool gives each concurrent call
// a connection of its own.
//
// # Failure behaviour
//
// On the server, errors pass through an ErrorEncoder. DefaultErrorEncoder
// sends an exception declared in the IDL as itself and anything else as a
// TApplicationException whose message is ClientMessage: the client-safe
// text for a client error (transport.ClientMessage, never the chain
// wrapping it), a generic message for server errors (status 500 and
// above), never err.Error(). Generated processors send every
// undeclared error as INTERNAL_ERROR, so a service whose callers must tell
// "not found" from "unavailable" declares exceptions for them and maps its
// errors in its own ErrorEncoder (the bookstore example does).
//
// Thrift has no standard place for a reason (transport.Reasoner). A
// TApplicationException carries none; a declared exception carries one
// when the IDL gives it a string field named reason (filled with
// transport.ReasonOf in the ErrorEncoder), which the Client reads into
// Error.Reason. Without one, transport.ReasonOf on the Client's error
// derives the reason from the status the exception carries: unavailable,
// deadline, rate_limited or internal, but never breaker_open.
//
// A SocketServer closes a connection that sends anything but framed binary
// or compact Thrift (an HTTP request, an unframed message, a frame over the
// size limit, a garbled message) and reports it to its ErrorHandler wrapped
// in ErrMalformed, naming what the bytes looked like; other connections are
// not affected. An unknown method is answered with UNKNOWN_METHOD and the
// connection stays open.
//
// A panic in a Server's hooks, decoder, endpoint or encoder is recovered
// and answered like any internal error (DefaultErrorEncoder: INTERNAL_ERROR
// with a generic message); the connection stays open. A panic in a handler
// with no kit Server is recovered by the SocketServer, which closes that
// connection (its reply may be half written), so the client sees an
// unavailable server. Either way the process goes on, and the panic is
// logged, counted and traced by a transport.PanicPolicy (ServerPanicPolicy,
// SocketConfig.Panics): the stack and the method, never the panic value
// unless asked.
//
// On the client, every failure becomes an *Error with a status: declared
// exceptions keep theirs, a connection refused or broken is 503, the
// caller's deadline is 504 and matches context.DeadlineExceeded, so
// circuit breakers count and lb.Retry retries exactly as for HTTP and gRPC.
// The caller's deadline is the socket deadline, and cancelling the caller's
// context interrupts the call without leaving a goroutine behind. Thrift
// does not send deadlines to servers; a server bounds its own work.
package thrift
