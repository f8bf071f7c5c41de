package thrift

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/kitbench/kitbench/kit/transport"
)

// ErrServerClosed is returned by SocketServer.Serve after Shutdown or Close.
var ErrServerClosed = errors.New("kitthrift: server closed")

// Defaults of SocketConfig.
const (
	DefaultIdleTimeout  = 2 * time.Minute
	DefaultWriteTimeout = 30 * time.Second
)

// SocketConfig configures a SocketServer. The zero value is usable: the
// default frame limit, idle and write timeouts, and errors discarded.
type SocketConfig struct {
	// MaxFrameSize bounds a request; zero means DefaultMaxFrameSize. A
	// larger frame is malformed input.
	MaxFrameSize int32
	// IdleTimeout is how long a connection may take to send its next
	// request, counted from the end of the previous response (or from
	// accepting it); zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing one response; zero means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// ErrorHandler sees what goes wrong with connections: malformed input
	// (wrapped in ErrMalformed, naming the peer) and accept failures. Peers
	// that close, reset or idle out are not errors, nor is a handler's
	// panic, which Panics records. Nil discards them.
	ErrorHandler func(err error)
	// Observe, when set, sees every call the server answered or
	// dispatched to a method, on the connection's goroutine, when its
	// reply is about to be sent (so before the client can make its next
	// call), or after the call when none is: its raw request and reply
	// messages, timing and (for a kit Server) error. It must be quick and must not keep the Exchange or its
	// slices (recorder/capture's Ring.Thrift copies them into
	// preallocated slots). Nil observes nothing, at no cost.
	Observe func(*Exchange)
	// Panics records a panic in a handler that no kit Server runs (a kit
	// Server recovers its own, with its ServerPanicPolicy); the connection
	// it happened on is closed and the others go on. Nil means the default
	// policy of transport.PanicPolicy.
	Panics *transport.PanicPolicy
}

// SocketServer serves a Thrift processor (a generated
// New…Processor(handler)) on framed socket connections, in the binary or
// the compact protocol: the protocol is recognised on each connection from
// its first message, so one listener serves clients of both.
//
// Each connection is served by one goroutine, one request at a time. A
// connection that sends malformed input is closed and reported; the others
// are unaffected. Handlers get a context that Close cancels, and that is
// cancelled too when the client hangs up while its call runs: the
// generated processor checks the connection every
// thrift.ServerConnectivityCheckInterval (5 ms by default), and the
// connection looks at the socket, without reading from it, to answer. A
// call cancelled that way is not answered (DefaultErrorEncoder turns its
// context.Canceled into thrift.ErrAbandonRequest) and is not reported as
// an error.
type SocketServer struct {
	processor thrift.TProcessor
	cfg       SocketConfig
	conf      *thrift.TConfiguration
	ctx       context.Context
	cancel    context.CancelFunc

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	closing   bool
	wg        sync.WaitGroup
}

// NewSocketServer returns a server for p; start it with Serve. It wraps
// each function of p's processor map (thrift.WrapProcessor) so that kit
// Servers and the panic policy learn which method a call is for.
func NewSocketServer(p thrift.TProcessor, cfg SocketConfig) *SocketServer {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxFrameSize <= 0 {
		cfg.MaxFrameSize = DefaultMaxFrameSize
	}
	if p != nil {
		p = thrift.WrapProcessor(p, nameCalls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &SocketServer{
		processor: p, cfg: cfg, conf: tconf(cfg.MaxFrameSize), ctx: ctx, cancel: cancel,
		listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{},
	}
}

// Serve accepts connections on ln until Shutdown or Close, and then
// returns ErrServerClosed; it returns other accept errors as they are. It
// closes ln when it returns.
func (s *SocketServer) Serve(ln net.Listener) error {
	if s.processor == nil {
		ln.Close()
		return errors.New("kitthrift: SocketServer has no processor")
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	for {
		conn, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing := s.closing
			s.mu.Unlock()
			if closing {
				return ErrServerClosed
			}
			s.report(fmt.Errorf("kitthrift: accept: %w", err))
			return err
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			conn.Close()
			return ErrServerClosed
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(conn)
	}
}

func (s *SocketServer) report(err error) {
	if s.cfg.ErrorHandler != nil {
		s.cfg.ErrorHandler(err)
	}
}

// arm gives conn the idle deadline for its next request; false means the
// server is shutting down and the connection should end.
func (s *SocketServer) arm(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	return conn.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout)) == nil
}

func (s *SocketServer) serveConn(conn net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.Close()
	}()
	fc := newFrameConn(conn, s.cfg.MaxFrameSize, false, s.cfg.WriteTimeout)
	c := &call{observed: s.cfg.Observe != nil}
	if c.observed {
		fc.onFlush = s.observeReply(c, fc)
	}
	ctx := context.WithValue(s.ctx, callKey{}, c)
	var in, out thrift.TProtocol
	var proto Protocol
	for first := true; ; first = false {
		if !s.arm(conn) {
			return
		}
		if err := fc.readFrame(first); err != nil {
			if !quiet(err) && s.ctx.Err() == nil {
				s.report(fmt.Errorf("%w (connection from %s)", err, conn.RemoteAddr()))
			}
			return
		}
		if first {
			var err error
			if proto, err = fc.protocol(); err != nil {
				s.report(fmt.Errorf("%w (connection from %s)", err, conn.RemoteAddr()))
				return
			}
			pf := proto.factory(s.conf)
			in, out = pf.GetProtocol(fc), pf.GetProtocol(fc)
		}
		if c.observed {
			c.proto, c.start, c.seen = proto, time.Now(), false
		}
		fc.serving.Store(true)
		ok, err := s.process(ctx, c, in, out)
		fc.serving.Store(false)
		if c.observed && c.method != "" {
			s.observe(c, fc, nil) // no reply was sent: a oneway call, an abandoned one
		}
		if !ok {
			var app thrift.TApplicationException
			if errors.As(err, &app) && app.TypeId() == thrift.UNKNOWN_METHOD {
				continue // answered with an exception; the stream is in step
			}
			if err != nil && !quiet(err) && !errors.Is(err, transport.ErrPanic) && s.ctx.Err() == nil {
				var bad error = err
				if !errors.Is(err, ErrMalformed) {
					bad = fmt.Errorf("%w: %w", ErrMalformed, err)
				}
				s.report(fmt.Errorf("%w (%s protocol, connection from %s)", bad, protocolOf(in), conn.RemoteAddr()))
			}
			return
		}
	}
}

func protocolOf(p thrift.TProtocol) Protocol {
	if _, ok := p.(*thrift.TCompactProtocol); ok {
		return Compact
	}
	return Binary
}

// quiet reports whether err is the ordinary end of a connection: the peer
// closed or reset it, it idled out, or the server closed it.
func quiet(err error) bool {
	var te thrift.TTransportException
	if errors.As(err, &te) {
		switch te.TypeId() {
		case thrift.END_OF_FILE, thrift.NOT_OPEN, thrift.TIMED_OUT:
			return true
		}
	}
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, thrift.ErrAbandonRequest)
}

// Shutdown stops the server gracefully: listeners close, idle connections
// close at once, and connections in the middle of a call close after their
// response, until ctx ends; then Close ends what is left and Shutdown
// returns ctx's error. A request that is arriving when Shutdown starts may
// be cut off; its client sees an unavailable server and can retry
// elsewhere.
func (s *SocketServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for ln := range s.listeners {
		ln.Close()
	}
	past := time.Unix(1, 0)
	for c := range s.conns {
		_ = c.SetReadDeadline(past)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		_ = s.Close()
		<-done
		return ctx.Err()
	}
}

// Close stops the server at once: listeners and connections close and
// handlers' contexts are cancelled. It waits for the connection
// goroutines, so handlers must return when their context ends.
func (s *SocketServer) Close() error {
	s.mu.Lock()
	s.closing = true
	s.cancel()
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
