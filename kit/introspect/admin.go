package introspect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ErrAdminAddr is wrapped by the error ListenAdmin returns for an address
// it cannot use.
var ErrAdminAddr = errors.New("introspect: bad admin address")

// Timeouts of the admin listener's http.Server.
const (
	adminReadHeaderTimeout = 5 * time.Second
	adminReadTimeout       = 10 * time.Second
	adminIdleTimeout       = 60 * time.Second
	// adminWriteTimeout bounds JSON and /metrics responses. /events streams
	// are longer than any such limit; they move their own write deadline
	// forward before each write (see Handler), so this does not cut them.
	adminWriteTimeout = 30 * time.Second
	adminMaxHeader    = 64 << 10
)

// AdminServer is a running admin listener; see ListenAdmin.
type AdminServer struct {
	srv    *http.Server
	ln     net.Listener
	cancel context.CancelFunc // ends the base context of every request
	done   chan struct{}      // closed when Serve has returned
	err    error              // Serve's error, other than ErrServerClosed
}

// ListenAdmin binds addr and serves h on it in a goroutine that the
// returned AdminServer owns; stop it with Shutdown or Close.
//
// The admin listener is loopback-only unless the caller says otherwise:
// the empty addr means "127.0.0.1:0" (a free port; read it from Addr), and
// an addr without a host, such as ":9090", binds 127.0.0.1 too. To listen
// on every interface, pass the wildcard explicitly ("0.0.0.0:9090" or
// "[::]:9090"), and then use WithBearerToken.
//
// The server has read-header, read, idle and write timeouts; streaming
// responses (/events) extend their own write deadline as they go.
func ListenAdmin(addr string, h http.Handler) (*AdminServer, error) {
	if h == nil {
		return nil, fmt.Errorf("%w: nil handler", ErrAdminAddr)
	}
	addr, err := adminAddr(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("introspect: admin listener: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	s := &AdminServer{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: adminReadHeaderTimeout,
			ReadTimeout:       adminReadTimeout,
			WriteTimeout:      adminWriteTimeout,
			IdleTimeout:       adminIdleTimeout,
			MaxHeaderBytes:    adminMaxHeader,
			BaseContext:       func(net.Listener) context.Context { return base },
		},
		ln:     ln,
		cancel: cancel,
		done:   make(chan struct{}),
	}
	// Shutdown waits for connections to go idle, which a stream never
	// does; ending the base context ends the streams.
	s.srv.RegisterOnShutdown(cancel)
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s, nil
}

// adminAddr applies ListenAdmin's loopback default to addr.
func adminAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrAdminAddr, addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Addr returns the address the listener is bound to, with the actual port
// when ":0" was asked for.
func (s *AdminServer) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting connections, ends /events streams, and waits
// until in-flight requests finish or ctx ends, whichever comes first. It
// returns ctx's error in the latter case, or the error that made the
// server stop serving early.
func (s *AdminServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.cancel()
	if err != nil {
		_ = s.srv.Close()
	}
	<-s.done
	if err != nil {
		return err
	}
	return s.err
}

// Close stops the server at once, dropping open connections.
func (s *AdminServer) Close() error {
	s.cancel()
	err := s.srv.Close()
	<-s.done
	if err != nil {
		return err
	}
	return s.err
}
