package fleetsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// listener is one admin listener serving several instances, each under
// /i/<id>.
type listener struct {
	addr   string
	srv    *http.Server
	done   chan struct{}             // closed when Serve returns
	served map[string]*atomic.Uint64 // the fleet's, read-only map

	mu    sync.RWMutex
	insts map[string]*instance
}

// instancePrefix starts every admin path: /i/<id>/debug/kit/v1/…
const instancePrefix = "/i/"

func newListener(accepted *atomic.Uint64, served map[string]*atomic.Uint64) (*listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fleetsim: admin listener: %w", err)
	}
	l := &listener{addr: ln.Addr().String(), insts: map[string]*instance{}, done: make(chan struct{}), served: served}
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				accepted.Add(1)
			}
		}}
	go func() {
		defer close(l.done)
		_ = l.srv.Serve(ln) // ErrServerClosed after close
	}()
	return l, nil
}

// ServeHTTP routes /i/<id>/rest to the instance's handler as /rest.
func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, instancePrefix)
	id, sub, _ := strings.Cut(rest, "/")
	l.mu.RLock()
	in := l.insts[id]
	l.mu.RUnlock()
	if !ok || in == nil {
		http.Error(w, "fleetsim: no instance at "+r.URL.Path, http.StatusNotFound)
		return
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = "/"+sub, ""
	r2.URL = &u
	if c := l.served[sub]; c != nil {
		c.Add(1)
	}
	in.handler.ServeHTTP(w, r2)
}

// Resources counted by Fleet.Served.
var countedResources = []string{"metrics", "debug/kit/v1/info", "debug/kit/v1/breakers", "debug/kit/v1/limiters",
	"debug/kit/v1/red", "debug/kit/v1/events"}

// newServed returns a counter per counted resource.
func newServed() map[string]*atomic.Uint64 {
	m := make(map[string]*atomic.Uint64, len(countedResources))
	for _, r := range countedResources {
		m[r] = new(atomic.Uint64)
	}
	return m
}

// close stops the server: open streams are cut, idle connections closed.
func (l *listener) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := l.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = l.srv.Close()
	}
	<-l.done
	return err
}

// place puts in on the least loaded listener with room, opening a new
// one when all are full.
func (f *Fleet) place(in *instance) (*listener, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var best *listener
	bestN := f.opts.PerListener
	for _, l := range f.lns {
		l.mu.RLock()
		n := len(l.insts)
		l.mu.RUnlock()
		if n < bestN {
			best, bestN = l, n
		}
	}
	if best == nil {
		l, err := newListener(&f.accepted, f.served)
		if err != nil {
			return nil, err
		}
		f.lns = append(f.lns, l)
		best = l
	}
	best.mu.Lock()
	best.insts[in.id] = in
	best.mu.Unlock()
	in.ln = best
	return best, nil
}

// unplace takes in off its listener; requests for it get 404 from then.
func (f *Fleet) unplace(in *instance) {
	if in.ln == nil {
		return
	}
	in.ln.mu.Lock()
	delete(in.ln.insts, in.id)
	in.ln.mu.Unlock()
}
