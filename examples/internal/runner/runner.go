// Package runner holds what the example services (bookstore, gateway) do
// alike to run: listen with an error that says what to do, name an
// instance, and own the goroutines that serve their listeners.
package runner

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"sync"
)

// InstanceID returns service + "-" + 8 random hex digits.
func InstanceID(service string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return service + "-" + hex.EncodeToString(b)
}

// Listen listens on addr ("" means 127.0.0.1:0, a free loopback port). The
// error names the service, what the listener is for and the address, and
// says what to do.
func Listen(service, what, addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot listen for %s on %s (is another instance running? choose another address): %w", service, what, addr, err)
	}
	return ln, nil
}

// Group runs an instance's serving goroutines. The first one that fails on
// its own closes Done and sets Err. Create it with NewGroup.
type Group struct {
	service string
	log     *slog.Logger
	wg      sync.WaitGroup
	once    sync.Once
	err     error
	done    chan struct{}
}

// NewGroup returns a Group that logs failures to log as service's.
func NewGroup(service string, log *slog.Logger) *Group {
	return &Group{service: service, log: log, done: make(chan struct{})}
}

// Go runs serve (a listener's Serve loop, returning nil when stopped on
// purpose) on a goroutine of the group.
func (g *Group) Go(name string, serve func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := serve(); err != nil {
			g.log.Error(g.service+": server stopped", "transport", name, "err", err)
			g.once.Do(func() { g.err = fmt.Errorf("%s server: %w", name, err); close(g.done) })
		}
	}()
}

// Wait waits for every goroutine of the group to return.
func (g *Group) Wait() { g.wg.Wait() }

// Done is closed when a server fails on its own; Err then says why.
func (g *Group) Done() <-chan struct{} { return g.done }

// Err returns the error that closed Done, or nil.
func (g *Group) Err() error {
	select {
	case <-g.done:
		return g.err
	default:
		return nil
	}
}
