package transport

import "errors"

// ErrAbort, matched with errors.Is anywhere in an error's chain, asks the
// transport serving a call to end it its own abrupt way instead of
// answering it with an error: the HTTP server aborts the response
// (net/http closes the connection, or resets the HTTP/2 stream, as for a
// panic with http.ErrAbortHandler), the Thrift server closes the
// connection without a reply, and the gRPC server, which offers a handler
// no abrupt end, answers Unavailable — the status a gRPC client reports
// for a broken connection. kit/fault's abort faults return it, so that a
// client sees the failure it would see if the server had gone away.
var ErrAbort = errors.New("transport: call aborted")
