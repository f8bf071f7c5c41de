// Package invoke calls any endpoint of a running service with JSON in and
// JSON out, over gRPC or HTTP, without generated code: what grpcurl and
// curl do, behind one small API that the CLI (kitbench call), the
// dashboard and tests share. A call is a Request; its answer is a Result
// that carries everything a person, a script or a session recorder needs —
// headers and metadata both ways, bodies, status, timing, target and the
// trace id.
//
// gRPC goes through grpcurl (github.com/fullstorydev/grpcurl) for what it
// is best at: finding descriptors, by server reflection (v1, falling back
// to v1alpha), from .proto sources (well-known imports built in) or from
// protosets. grpcurl's types come from the deprecated jhump/protoreflect v1
// API and stay inside this package: callers see method names, Schema,
// JSON bytes and plain maps. The call itself is made here with the
// descriptors' modern form (dynamicpb and protojson): that reports a bad
// request with its line and column, and it skips the reflection round trip
// per message type that grpcurl spends looking for extensions.
//
// Streaming gRPC methods are called the same way (Invoke), each kind
// with grpc-go's ClientConn.NewStream and dynamicpb messages: a
// server-streaming call sends Body and hands each answer to
// StreamOptions.OnReceive as it arrives; client-streaming and
// bidirectional calls send what StreamOptions.Send gives, on the one
// goroutine a stream starts, while the caller's goroutine receives. No
// goroutine is started per message. MaxMessages and MaxTime end a stream
// as a success; Request.Timeout and the context end it as a deadline or
// a cancel.
//
// HTTP uses the route table an instance publishes in its introspection info
// (method and path per endpoint); how path parameters, query parameters and
// bodies are filled from one JSON request is documented on HTTPClient.
//
// Every call starts a trace: it sends a new W3C traceparent (sampled) and
// reports the trace id, so a caller can jump from a call to its spans.
//
// # Usage
//
//	g, err := invoke.DialGRPC(ctx, "127.0.0.1:9090", invoke.GRPCOptions{})
//	defer g.Close()
//	res, err := g.Invoke(ctx, invoke.Request{Method: "bookstore.GetBook", Body: []byte(`{"id":"1"}`)})
//	if err == nil && !res.OK() { /* the server answered with an error status */ }
//
//	h, err := invoke.NewHTTP(info.Transports[0].Addr, info.Endpoints, invoke.HTTPOptions{})
//	res, err = h.Invoke(ctx, invoke.Request{Method: "GetBook", Body: []byte(`{"id":"1"}`)})
//
// # Concurrency
//
// Clients are safe for concurrent use. A GRPCClient owns one connection
// (and, with reflection, one stream, which lookups take turns on); an
// HTTPClient owns a connection
// pool; Close releases them. Nothing else runs in the background.
//
// # Failure behaviour
//
// A call that reached the server is a Result even when the server said no
// (check Result.OK, Code and Message); an error means no answer. Errors
// wrap the package sentinels: ErrUnreachable (with the dial or TLS cause),
// ErrNoService and ErrNoMethod (with the closest names suggested),
// ErrBadJSON (line and column), ErrUnknownField (gRPC; over HTTP the
// server's 400 says it), ErrBadRequest, ErrNoReflection, ErrStreaming,
// ErrBadHeader, ErrUnsetVariable, and context.DeadlineExceeded for an HTTP
// timeout (a gRPC timeout is the DEADLINE_EXCEEDED status). Every read
// of descriptors by server reflection is bounded by the caller's context
// (and, in Invoke, by Request.Timeout): a server that accepts the
// reflection stream and never answers holds a call until then, and the
// error wraps context.DeadlineExceeded or context.Canceled; the stream is
// cancelled with it, and the next call opens a new one. Response
// bodies are capped (HTTPOptions.MaxBody); nothing panics on bad input.
// A stream's own failures (a message Send gives that is not valid, Send's
// error) cancel it and are the call's error; when Invoke returns, the
// stream and its sending goroutine have ended.
package invoke
