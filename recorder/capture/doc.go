// Package capture records the calls a running kit service serves: HTTP
// middleware and a gRPC unary interceptor that write each exchange to a
// recorder.Appender (usually a *recorder.Writer, which redacts secrets
// before they reach disk). The service itself imports nothing of
// kitbench's workbench, and kit never imports this package: the service's
// main wires it in, typically behind a flag, to collect sessions that
// become regression tests.
//
// # Usage
//
//	w, err := recorder.OpenFile("traffic.kitrec", recorder.Header{Service: "bookstore"}, recorder.WriteOptions{})
//	// handle err; defer w.Close()
//	router := bookstore.NewHTTPHandler(endpoints)
//	h := capture.HTTP(w, capture.Options{Service: "bookstore", Name: capture.Names(router.Endpoints())})(router)
//	srv := grpc.NewServer(grpc.UnaryInterceptor(capture.UnaryServerInterceptor(w, capture.Options{Service: "bookstore"})))
//
// # Cost
//
// Capture copies headers and at most MaxBody bytes of each body, encodes
// one JSON line and makes one write(2) per call, on the calling
// goroutine; the figures are in docs/performance.md.
//
// # Failure behaviour
//
// Capture never changes a response and never fails a call: a body over
// MaxBody is kept truncated (and marked so), an Appender error goes to
// Options.OnError. A handler that panics is not recorded.
package capture
