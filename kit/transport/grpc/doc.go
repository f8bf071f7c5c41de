// Package grpc is kit's gRPC transport: a Server that runs an endpoint
// inside a method of a generated service implementation, and a Client that
// turns a method of a remote service back into an endpoint. Import it as
// kitgrpc.
//
// Generated code stays in charge of the wire: protoc-gen-go-grpc's
// interfaces, registration and streaming are used as they are, and kit
// only adds the endpoint in the middle, so the middlewares (logging,
// metrics, breakers, limiters, tracing, auth) apply to gRPC and HTTP alike.
//
// Streams are served the same way: a StreamServer runs an
// endpoint.StreamEndpoint inside a generated streaming method
// (ServeServerStream, ServeClientStream, ServeBidiStream), with the unary
// Server's options and hooks, and a StreamClient turns a remote streaming
// method into a StreamEndpoint. Flow control is grpc-go's: Send blocks
// while the peer's window is full, Recv while no message has arrived;
// neither starts a goroutine. Messages are converted one at a time by the
// same DecodeRequestFunc and EncodeResponseFunc types as unary calls.
//
// # Usage
//
// A server wraps each endpoint once and calls it from the generated method:
//
//	type bookServer struct {
//		bookpb.UnimplementedBookServiceServer
//		get *kitgrpc.Server
//	}
//
//	func (s *bookServer) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
//		return kitgrpc.Serve[*bookpb.Book](ctx, s.get, r)
//	}
//
//	srv := grpc.NewServer()
//	bookpb.RegisterBookServiceServer(srv, &bookServer{get: kitgrpc.NewServer(getEndpoint, decodeGet, encodeBook)})
//	health := kitgrpc.RegisterStandardServices(srv) // grpc.health.v1 + reflection
//	// on shutdown: health.Shutdown(), then srv.GracefulStop()
//
// A client is one value per method:
//
//	get := kitgrpc.NewClient(conn, "bookstore.v1.BookService", "GetBook",
//		encodeGet, decodeBook, (*bookpb.Book)(nil)).Endpoint()
//
// A stream endpoint is served in one line per method:
//
//	func (s *bookServer) WatchBooks(r *bookpb.WatchBooksRequest, ss grpc.ServerStreamingServer[bookpb.BookEvent]) error {
//		return kitgrpc.ServeServerStream(s.watch, r, ss)
//	}
//
// # Cost
//
// A call through a Server with no hooks allocates nothing beyond what the
// decode and encode funcs allocate: incoming metadata is read (and copied,
// as grpc-go's API requires) only when a ServerBefore hook exists, and the
// header and trailer only when a ServerAfter hook exists. The Client
// allocates the reply message and nothing else, unless it has hooks.
// A stream through a StreamServer with no hooks allocates one value per
// stream (the endpoint.Stream it hands the endpoint) and nothing per
// message beyond the received messages themselves, which grpc-go's
// generated code allocates too.
//
// # Concurrency
//
// Server and Client are immutable after construction and safe for
// concurrent use; hooks and codec funcs run on the calling goroutine and
// must be safe for concurrent use themselves.
//
// # Failure behaviour
//
// Errors become gRPC statuses through DefaultErrorEncoder: a status carried
// by the error is kept; otherwise kit/transport's StatusOf and Code
// pick the code (NotFound, InvalidArgument, Unauthenticated,
// ResourceExhausted with a RetryInfo detail, Unavailable, DeadlineExceeded,
// Canceled, Internal). Only client errors send a message, their
// client-safe one (the carried status's, or transport.ClientMessage: never
// the text of the chain wrapping the error); Internal and other
// server-side codes send a generic text, never err.Error(). Every status
// with a reason (transport.ReasonOf: breaker_open, rate_limited, deadline,
// unavailable, internal or the service's own) carries it in a
// google.rpc.ErrorInfo detail of domain transport.ReasonDomain, the reason
// upper-cased as ErrorInfo asks; ReasonOf reads it back lower-cased.
//
// A panic in a hook, decoder, endpoint or encoder is recovered by the
// Server and answered with Internal and a generic message, through the
// error encoder, with an error wrapping transport.ErrPanic; the process
// and the connection go on. ServerPanicPolicy chooses where it is logged
// and counted (see transport.PanicPolicy: the stack, never the panic value
// unless asked). Handlers written against grpc-go directly, streams
// included, get the same with the RecoverUnary and RecoverStream
// interceptors.
//
// Health.Shutdown, on the Health that RegisterStandardServices returns,
// sets every service NOT_SERVING and then ends the open Watch streams
// (with Unavailable), so that GracefulStop waits only for calls in flight.
//
// A stream ends with the status of its endpoint's error, encoded like a
// unary call's, and with the trailer the endpoint set (grpc.SetTrailer on
// its context) or the ServerAfter hooks filled. A client that cancels, or
// whose deadline passes, ends the endpoint's context; a blocked Recv or
// Send then returns. A panic in a stream endpoint is recovered as in a
// unary one.
//
// The Client returns *Error for a non-OK status. It implements
// transport.StatusCoder, transport.RetryAfterer, transport.Reasoner and
// GRPCStatus (Reason is the upstream's reason as sent; a gateway passes an
// upstream's breaker_open on as unavailable, without its RetryInfo), and matches
// context.DeadlineExceeded and context.Canceled with errors.Is, so a
// gateway, a retry loop or a load balancer sees the same meaning the
// backend sent. The caller's deadline travels to the server (grpc-go sends
// it as grpc-timeout), and a cancelled or expired call cancels the
// endpoint's context on the server.
package grpc
