// Package blackhole is a loopback TCP listener for tests of what a client
// does when the server it talks to goes silent: it accepts connections and
// never answers them, or forwards them to a real server, and switches
// between the two at any moment. It is for tests only.
//
// It stands in for a failure that a real server cannot be made to show on
// demand: a hung process, or a network that drops packets, leaves
// connections open (or accepts new ones) with no answer ever coming. A
// refused connection is easy to produce with a real server (stop it); an
// accepted and silent one is not.
package blackhole

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Listener accepts on a loopback port. While silent, it holds every
// connection open and never reads or writes; while forwarding, it pipes
// each new connection to the target. Create it with New; it closes itself
// when the test ends.
type Listener struct {
	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	target   string // "" while silent
	closed   bool
	accepted int
	conns    map[net.Conn]bool // accepted connections; true once silenced
	ups      map[net.Conn]net.Conn
}

// New listens on a free loopback port, silent. It fails the test if it
// cannot listen; the test's cleanup closes it and every connection.
func New(tb testing.TB) *Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("blackhole: listen: %v", err)
	}
	l := &Listener{ln: ln, conns: map[net.Conn]bool{}, ups: map[net.Conn]net.Conn{}}
	l.wg.Add(1)
	go l.accept()
	tb.Cleanup(l.Close)
	return l
}

// Addr is the host:port clients dial.
func (l *Listener) Addr() string { return l.ln.Addr().String() }

// Accepted counts the connections accepted so far.
func (l *Listener) Accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accepted
}

// Silence makes the listener a black hole: new connections are held
// unanswered, and so are the forwarded ones already open (their upstream
// side is closed; the client's side stays open and silent).
func (l *Listener) Silence() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.target = ""
	for c := range l.conns {
		l.conns[c] = true
	}
	for _, up := range l.ups {
		_ = up.Close()
	}
}

// Forward pipes every new connection to addr. Connections held while silent
// stay silent: the client gives up on them.
func (l *Listener) Forward(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.target = addr
}

// Close stops accepting, closes every connection and waits for the
// listener's goroutines. It is idempotent.
func (l *Listener) Close() {
	l.mu.Lock()
	l.closed = true
	_ = l.ln.Close()
	for c := range l.conns {
		_ = c.Close()
	}
	for _, up := range l.ups {
		_ = up.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
}

func (l *Listener) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			_ = c.Close()
			return
		}
		l.accepted++
		l.conns[c] = l.target == ""
		target := l.target
		if target != "" {
			l.wg.Add(1)
			go l.forward(c, target)
		}
		l.mu.Unlock()
	}
}

// forward pipes c to target until either side ends. If the listener was
// silenced meanwhile, c is left open and silent instead of closed.
func (l *Listener) forward(c net.Conn, target string) {
	defer l.wg.Done()
	up, err := net.Dial("tcp", target)
	if err != nil {
		l.drop(c)
		return
	}
	l.mu.Lock()
	if l.closed || l.conns[c] {
		l.mu.Unlock()
		_ = up.Close()
		return
	}
	l.ups[c] = up
	l.mu.Unlock()

	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(up, c) // ends when the client goes away or up is cut
		_ = up.Close()
	}()
	// This ends when the server closes its side, or when Silence cuts it.
	_, _ = io.Copy(c, up)
	l.mu.Lock()
	delete(l.ups, c)
	silenced := l.conns[c]
	if !silenced {
		delete(l.conns, c)
	}
	l.mu.Unlock()
	if !silenced {
		_ = c.Close() // the server ended it: so does the client's side
	}
	<-done
}

// drop closes c and forgets it.
func (l *Listener) drop(c net.Conn) {
	_ = c.Close()
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}
