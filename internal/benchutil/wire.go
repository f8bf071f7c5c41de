package benchutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"testing"
)

// Wire is a minimal HTTP/1.1 keep-alive client for benchmarks: it writes one
// prepared request and reads the response without building anything, so the
// load generator costs the same whatever the server answers (net/http's
// client would spend allocations on every extra response header, such as
// X-Request-Id).
type Wire struct {
	conn net.Conn
	br   *bufio.Reader
	req  []byte
}

// DialWire connects to addr and prepares a POST of the JSON body to path.
// The connection is closed when tb ends.
func DialWire(tb testing.TB, addr, path, body string) *Wire {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, addr, len(body), body)
	return &Wire{conn: conn, br: bufio.NewReader(conn), req: []byte(req)}
}

var (
	status200     = []byte("HTTP/1.1 200 ")
	contentLength = []byte("content-length")
)

// RoundTrip sends the request and consumes a 200 response; any other status,
// or a response without Content-Length, is an error.
func (c *Wire) RoundTrip() error {
	if _, err := c.conn.Write(c.req); err != nil {
		return err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, status200) {
		return fmt.Errorf("status line %q", line)
	}
	n := -1
	for {
		if line, err = c.br.ReadSlice('\n'); err != nil {
			return err
		}
		if len(line) <= 2 { // the blank line ending the header
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !bytes.EqualFold(k, contentLength) {
			continue
		}
		n = 0
		for _, d := range bytes.TrimSpace(v) {
			if d < '0' || d > '9' {
				return fmt.Errorf("bad Content-Length %q", v)
			}
			n = n*10 + int(d-'0')
		}
	}
	if n < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = c.br.Discard(n)
	return err
}
