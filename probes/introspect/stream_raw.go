package introspect

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// openRawStream is openStream on a connection of the stream's own,
// dialled by Options.StreamDial: the request is written and the answer
// read on it directly, so the stream costs its reader goroutine and one
// small buffer, not net/http's two goroutines and two buffers per
// connection. The connection is closed with the stream.
func (c *Client) openRawStream(ctx context.Context, u string) (*stream, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadURL, u, err)
	}
	addr := pu.Host
	if pu.Port() == "" {
		addr = net.JoinHostPort(pu.Hostname(), "80")
	}
	sctx, cancel := context.WithCancel(ctx)
	dctx, dcancel := context.WithTimeout(sctx, c.opts.Timeout)
	conn, err := c.opts.StreamDial(dctx, "tcp", addr)
	dcancel()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("introspect: GET %s: %w", u, err)
	}
	// Closing the connection is what ends a read: when the stream is
	// closed, and when its reader aborts on silence.
	abort := func() { _ = conn.Close() }
	context.AfterFunc(sctx, abort)
	fail := func(err error) (*stream, error) {
		abort()
		cancel()
		return nil, err
	}
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, u, nil)
	if err != nil {
		return fail(fmt.Errorf("%w %q: %v", ErrBadURL, u, err))
	}
	c.authorize(req)
	req.Header.Set("Accept", "text/event-stream")
	// The timeout covers the request and the wait for headers (and the
	// drain of an answer that is not a stream); the stream itself is
	// bounded by its idle time.
	_ = conn.SetDeadline(time.Now().Add(c.opts.Timeout))
	if err := req.Write(conn); err != nil {
		return fail(fmt.Errorf("introspect: GET %s: %w", u, err))
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, sseBuffer), req)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fail(fmt.Errorf("introspect: GET %s: no headers within %v", u, c.opts.Timeout))
	}
	if err != nil {
		return fail(fmt.Errorf("introspect: GET %s: %w", u, err))
	}
	if err := c.streamAnswer(u, resp); err != nil {
		return fail(err)
	}
	_ = conn.SetDeadline(time.Time{})
	return c.startStream(sctx, cancel, rawBody{resp.Body, conn}, abort), nil
}

// rawBody is a stream's body on a connection of its own: closing it
// closes the connection first, so that net/http's Close, which reads an
// unfinished body to its end, returns at once.
type rawBody struct {
	io.ReadCloser
	conn net.Conn
}

func (b rawBody) Close() error {
	_ = b.conn.Close()
	_ = b.ReadCloser.Close()
	return nil
}
