package http

import (
	"net/http"
	"time"
)

// Defaults of NewHTTPServer.
const (
	defaultReadHeaderTimeout = 5 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultIdleTimeout       = 2 * time.Minute
	defaultMaxHeaderBytes    = 32 << 10
)

// NewHTTPServer returns an *http.Server for h on addr with limits that
// net/http leaves off by default:
//
//   - ReadHeaderTimeout 5 s: a client that sends its header slowly (or half
//     of it and stops) is disconnected instead of holding a connection.
//   - ReadTimeout 30 s for the whole request, WriteTimeout 30 s for the
//     response: long enough for any unary call, too short for streaming;
//     a streaming handler extends its own deadline with
//     http.ResponseController.
//   - IdleTimeout 2 min for keep-alive connections between requests.
//   - MaxHeaderBytes 32 KiB (net/http's default is 1 MiB); a larger header
//     is answered with 431.
//
// The fields are ordinary: change them on the returned value before
// serving.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: defaultReadHeaderTimeout,
		ReadTimeout:       defaultReadTimeout,
		WriteTimeout:      defaultWriteTimeout,
		IdleTimeout:       defaultIdleTimeout,
		MaxHeaderBytes:    defaultMaxHeaderBytes,
	}
}
