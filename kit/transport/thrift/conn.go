package thrift

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// Protocol is a Thrift wire protocol. Both are carried in frames (Thrift's
// framed transport: a 4-byte big-endian length before each message).
type Protocol int

const (
	// Binary is TBinaryProtocol with strict version headers, Thrift's
	// default and the most widely supported. It is the zero value.
	Binary Protocol = iota
	// Compact is TCompactProtocol: variable-length integers, smaller
	// messages, a little more CPU.
	Compact
)

// String names the protocol as Thrift's own tools do.
func (p Protocol) String() string {
	switch p {
	case Binary:
		return "binary"
	case Compact:
		return "compact"
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// factory returns the protocol factory for p, or nil for an unknown p.
func (p Protocol) factory(conf *thrift.TConfiguration) thrift.TProtocolFactory {
	switch p {
	case Binary:
		return thrift.NewTBinaryProtocolFactoryConf(conf)
	case Compact:
		return thrift.NewTCompactProtocolFactoryConf(conf)
	}
	return nil
}

// DefaultMaxFrameSize bounds a frame when a config leaves MaxFrameSize zero:
// Thrift's own default, about 16 MB.
const DefaultMaxFrameSize = thrift.DEFAULT_MAX_FRAME_SIZE

// First bytes of a message in each protocol: a strict binary message starts
// with the version 0x8001, a compact one with the protocol id 0x82.
const (
	binaryFirstByte  = 0x80
	compactFirstByte = 0x82
)

func tconf(maxFrame int32) *thrift.TConfiguration {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameSize
	}
	return &thrift.TConfiguration{MaxFrameSize: maxFrame, MaxMessageSize: maxFrame, TBinaryStrictRead: thrift.BoolPtr(true), TBinaryStrictWrite: thrift.BoolPtr(true)}
}

// frameConn is Thrift's framed transport over a net.Conn, written for kit
// so that a frame is the unit of everything: a reply or request is read
// whole (within the frame limit) into a buffer the connection reuses, a
// message cannot run past the end of its frame (on a server: it is
// malformed, not a reason to wait for more bytes), and a response leaves in
// one write. Deadlines are set on the conn by the caller; the write
// timeout, when set, bounds the write of each frame.
type frameConn struct {
	conn         net.Conn
	r            *bufio.Reader
	max          uint32
	rbuf         []byte
	roff         int
	wbuf         []byte // 4 bytes reserved for the length, then the payload
	lazy         bool   // client: Read loads the next frame when one is used up
	writeTimeout time.Duration
	closed       atomic.Bool
	serving      atomic.Bool        // server: a handler is running, so IsOpen looks at the socket
	onFlush      func(reply []byte) // server with an Observe: sees each reply before it is sent
}

var _ thrift.TRichTransport = (*frameConn)(nil)

func newFrameConn(conn net.Conn, maxFrame int32, lazy bool, writeTimeout time.Duration) *frameConn {
	return &frameConn{conn: conn, r: bufio.NewReader(conn), max: uint32(maxFrame), lazy: lazy,
		writeTimeout: writeTimeout, wbuf: make([]byte, 4, 512)}
}

// errPastFrame is the end of a frame in the middle of a message.
var errPastFrame = fmt.Errorf("%w: message runs past the end of its frame", ErrMalformed)

// readFrame reads the next frame. first marks the connection's first frame,
// whose malformed header gets a guess at what the peer speaks.
func (f *frameConn) readFrame(first bool) error {
	var hdr [4]byte
	if n, err := io.ReadFull(f.r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: connection closed after %d bytes of %q, inside a frame header", ErrMalformed, n, hdr[:n])
		}
		return err
	}
	size := binary.BigEndian.Uint32(hdr[:])
	if size == 0 || size > f.max {
		what := fmt.Sprintf("frame size %d", size)
		if size > f.max {
			what += fmt.Sprintf(" exceeds the %d-byte limit", f.max)
		}
		if first {
			what += fmt.Sprintf(" (first bytes %q%s; this port speaks framed Thrift)", hdr[:], looksLike(hdr[:]))
		}
		return fmt.Errorf("%w: %s", ErrMalformed, what)
	}
	if cap(f.rbuf) < int(size) || (cap(f.rbuf) > 1<<16 && size <= 1<<16) {
		f.rbuf = make([]byte, size) // grow, or let go of one huge frame
	}
	f.rbuf, f.roff = f.rbuf[:size], 0
	if _, err := io.ReadFull(f.r, f.rbuf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: connection closed inside a %d-byte frame", ErrMalformed, size)
		}
		return err
	}
	return nil
}

// protocol names the protocol of the message at the start of the frame
// just read.
func (f *frameConn) protocol() (Protocol, error) {
	switch f.rbuf[0] {
	case binaryFirstByte:
		return Binary, nil
	case compactFirstByte:
		return Compact, nil
	}
	return 0, fmt.Errorf("%w: message starts with byte %#x, neither the binary (0x80) nor the compact (0x82) protocol", ErrMalformed, f.rbuf[0])
}

func (f *frameConn) Open() error { return nil }

// IsOpen reports whether the connection can still carry an answer. While a
// server's handler runs, the generated processor asks it every
// thrift.ServerConnectivityCheckInterval (5 ms by default) from a goroutine
// of its own, and cancels the handler's context when it says no: so it
// looks at the socket then, and a client that hangs up cancels its call.
func (f *frameConn) IsOpen() bool {
	if f.closed.Load() {
		return false
	}
	if f.serving.Load() && peerGone(f.conn) {
		return false
	}
	return true
}

func (f *frameConn) Close() error {
	f.closed.Store(true)
	return f.conn.Close()
}

func (f *frameConn) Read(p []byte) (int, error) {
	if f.roff == len(f.rbuf) {
		if !f.lazy {
			return 0, errPastFrame
		}
		if err := f.readFrame(false); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.rbuf[f.roff:])
	f.roff += n
	return n, nil
}

func (f *frameConn) ReadByte() (byte, error) {
	if f.roff == len(f.rbuf) {
		var b [1]byte
		if _, err := f.Read(b[:]); err != nil {
			return 0, err
		}
		return b[0], nil
	}
	b := f.rbuf[f.roff]
	f.roff++
	return b, nil
}

func (f *frameConn) Write(p []byte) (int, error) {
	f.wbuf = append(f.wbuf, p...)
	return len(p), nil
}

func (f *frameConn) WriteByte(c byte) error {
	f.wbuf = append(f.wbuf, c)
	return nil
}

func (f *frameConn) WriteString(s string) (int, error) {
	f.wbuf = append(f.wbuf, s...)
	return len(s), nil
}

// Flush sends the buffered message as one frame.
func (f *frameConn) Flush(context.Context) error {
	size := len(f.wbuf) - 4
	binary.BigEndian.PutUint32(f.wbuf, uint32(size))
	if f.onFlush != nil {
		f.onFlush(f.wbuf[4:])
	}
	if f.writeTimeout > 0 {
		if err := f.conn.SetWriteDeadline(time.Now().Add(f.writeTimeout)); err != nil {
			return err
		}
	}
	_, err := f.conn.Write(f.wbuf)
	if cap(f.wbuf) > 1<<16 {
		f.wbuf = make([]byte, 4, 512) // do not hold on to one huge message
	}
	f.wbuf = f.wbuf[:4]
	return err
}

// RemainingBytes is what is left of the current frame.
func (f *frameConn) RemainingBytes() uint64 { return uint64(len(f.rbuf) - f.roff) }

// looksLike names a common mistake that a frame header reveals.
func looksLike(hdr []byte) string {
	switch {
	case hdr[0] == binaryFirstByte && hdr[1] == 0x01, hdr[0] == compactFirstByte:
		return ", an unframed message"
	case hdr[0] >= 'A' && hdr[0] <= 'Z' && hdr[1] >= 'A' && hdr[1] <= 'Z':
		return ", HTTP or another text protocol"
	case hdr[0] == 0x16 && hdr[1] == 0x03:
		return ", a TLS handshake"
	}
	return ""
}
