package devregistry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// Listen opens a TCP listener on addr (DefaultAddr if empty). When another
// process holds the address the error wraps ErrAddrInUse, so callers can
// tell "a registry (or Consul) is already there" from other failures.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%w: %s", ErrAddrInUse, addr)
	}
	return ln, err
}

// ListenAndServe listens on the Options.Addr and serves until Shutdown or
// Close, after which it returns nil.
func (r *Registry) ListenAndServe() error {
	ln, err := Listen(r.addr)
	if err != nil {
		return err
	}
	return r.Serve(ln)
}

// Serve answers requests on ln until Shutdown or Close, after which it
// returns nil. It closes ln. A Registry serves at most once.
func (r *Registry) Serve(ln net.Listener) error {
	srv := &http.Server{
		Handler:           r.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No WriteTimeout: a blocking query legitimately takes up to
		// 10 minutes and 37.5 seconds.
	}
	r.srvMu.Lock()
	if r.srv != nil || r.isClosed() {
		r.srvMu.Unlock()
		ln.Close()
		return errors.New("devregistry: Serve called on a closed or serving registry")
	}
	r.srv = srv
	r.srvMu.Unlock()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown ends blocking queries (they answer with the current state),
// stops TTL timers, and gracefully stops the server if one is running,
// waiting for in-flight requests until ctx is done.
func (r *Registry) Shutdown(ctx context.Context) error {
	r.close()
	r.srvMu.Lock()
	srv := r.srv
	r.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Close is Shutdown without the grace: open connections are closed at once.
func (r *Registry) Close() error {
	r.close()
	r.srvMu.Lock()
	srv := r.srv
	r.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.Close()
}

func (r *Registry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}
