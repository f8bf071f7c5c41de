// Package capture records the calls a running kit service serves, in two
// modes. A Ring (NewRing) keeps the last exchanges in memory, bounded in
// count and bytes, and turns them into redacted kitrec lines only when
// someone reads them through introspection (GET /debug/kit/v1/exchanges,
// kitbench capture): cheap enough to leave on, and the default way to
// have exchanges at hand. File capture, the heavier mode, records every
// call to a session file as it happens: HTTP middleware and gRPC unary
// and stream interceptors that turn each call into a recorder.Exchange
// and hand it to a recorder.Appender (usually a
// *recorder.Writer, which redacts secrets before they reach disk). The
// service itself imports nothing of kitbench's workbench, and kit never
// imports this package: the service's main wires it in, typically behind a
// flag, to collect sessions that become regression tests.
//
// # Usage
//
// A service records through a Capture, which keeps the work off the calls'
// goroutines:
//
//	w, err := recorder.OpenFile("traffic.kitrec", recorder.Header{Service: "bookstore"}, recorder.WriteOptions{})
//	// handle err; defer w.Close()
//	router := bookstore.NewHTTPHandler(endpoints)
//	c := capture.New(w, capture.Options{Service: "bookstore", Name: capture.Names(router.Endpoints())})
//	defer c.Close() // before w.Close
//	h := c.HTTP(router)
//	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(c.Unary), grpc.ChainStreamInterceptor(c.Stream))
//
// HTTP, UnaryServerInterceptor and StreamServerInterceptor record on the
// calls' goroutines instead,
// one Append per call: simpler, for proxies (Proxy), tests and low traffic.
//
// A service that was not built with capture is recorded from outside, by
// putting a proxy in front of it: Proxy for HTTP, GRPCProxy for gRPC
// (kitbench record does this). GRPCProxy forwards any call, streams
// included, as bytes, and records each, reading its messages with
// descriptors from a MethodLookup (typically the backend's server
// reflection) or keeping their bytes when it has none.
//
// # Streams
//
// A streaming call is one exchange of recorder format 1.1: its messages
// each way, in order, with their offsets from the call's start, its
// metadata, trailer and status. The stream interceptors encode each
// message as it passes (the handler may reuse it) and keep a stream's
// beginning, up to Options.Stream (1,000 messages and 4 MiB by default);
// the rest are counted, not kept. A call the client cancelled is marked
// so: that is how a watch, which never ends by itself, is recorded up to
// a bound the client chose, and replayed the same way.
//
// # Cost
//
// On the call's goroutine a Capture takes the start time, a snapshot of the
// header maps, and copies of at most MaxBody bytes of each body into pooled
// buffers, and queues them; naming the endpoint is one map lookup when a
// ServeMux set the request's Pattern. A gRPC call queues its request and
// response messages as they are, and a copy of its metadata
// (metadata.FromIncomingContext: the largest part of its cost on the
// call's goroutine). Its own goroutine renders messages as JSON into
// buffers it reuses, redacts (judging each header name once), encodes and
// writes — one write(2) per batch of up to 256 exchanges, about every
// 10 ms. The figures are in docs/performance.md.
//
// A Ring copies, on the call's goroutine, the method, path or gRPC
// method, status, timing, trace id, headers and the bodies' first bytes
// (gRPC messages in their wire encoding) into a slot sized when the Ring
// was made, under that slot's lock only; a body that does not fit is cut
// and marked truncated, never left out. Failures go to a small ring of
// their own, so they outlive a burst of successes. Its interceptor
// allocates nothing: it reads a call's metadata where grpc-go keeps it
// rather than through metadata.FromIncomingContext's copy. Should a
// grpc-go release keep metadata where the Ring cannot find it (it checks
// once, when the package loads), the Ring copies it as file capture does:
// the same exchanges, a few allocations more a call. A stream's messages
// are copied the same way, as they pass, into a slot-sized buffer of the
// call's own, stored into a slot when the call ends: an open stream (a
// watch) appears once it has ended, and its messages past a slot are
// counted as dropped (see Ring.Stream).
//
// A Thrift server keeps its calls in a Ring through Ring.Thrift, an
// observer for kitthrift.SocketConfig.Observe: the raw request and reply
// messages are copied as they are, and decoded generically (no IDL; field
// names from the generated types when given, ThriftMethod) only when read,
// with the types of the request's arguments (recorder.ThriftCall's
// RequestTypes), which replay needs to send the call again; a message cut
// to fit is marked truncated and never decoded in part.
//
// # Concurrency
//
// A Capture's middleware and interceptor are safe for any number of
// concurrent calls. Its goroutine is the only one that calls the Appender
// and Options.OnError. Close stops it.
//
// # Failure behaviour
//
// Capture never changes a response and never fails or delays a call: a
// body over MaxBody is kept truncated (and marked so), a stream past its
// bound is kept in part (and counted); an Appender error
// goes to Options.OnError; a Capture whose queue is full (the disk is
// slower than the traffic) serves the call unrecorded, counts it
// (Dropped) and reports the count through OnError. A handler that panics
// is not recorded.
//
// A crash loses what a Capture has queued and not yet written: at most
// Options.Queue calls, usually the last 10 ms of them. Every line written
// is whole, so the session file stays readable (recorder.OpenFile resumes
// it after a crash).
package capture
