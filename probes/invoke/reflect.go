package invoke

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/fullstorydev/grpcurl"
	"github.com/jhump/protoreflect/grpcreflect"
	"google.golang.org/grpc"
)

// errClosed is returned by lookups on a GRPCClient after Close.
var errClosed = errors.New("the gRPC client is closed")

// reflection is a GRPCClient's server-reflection session. Descriptors are
// read over one bidirectional stream, which grpcreflect opens on first
// use; every lookup is bound to its caller's context, so that a server
// that accepts the stream and never answers holds no caller beyond its
// deadline. When a caller's context ends during a lookup the stream is
// cancelled with it (grpcreflect offers no other way to abort a lookup
// that waits for an answer) and the session is dropped: the next lookup
// opens a new stream.
//
// Lookups take turns (one stream carries one request at a time, which is
// how grpcreflect uses it anyway), and a caller waiting for its turn gives
// up when its context ends.
type reflection struct {
	conn *grpc.ClientConn
	addr string
	turn chan struct{} // holds a token while a lookup runs

	mu     sync.Mutex
	cur    *session // nil before the first lookup and after an aborted one
	closed bool
}

// session is one reflection stream and what ends it.
type session struct {
	src    grpcurl.DescriptorSource
	cancel context.CancelFunc // ends the stream, and any lookup on it
}

func newReflection(conn *grpc.ClientConn, addr string) *reflection {
	return &reflection{conn: conn, addr: addr, turn: make(chan struct{}, 1)}
}

// lookup runs f with the session's descriptor source, bounded by ctx:
// when ctx ends first, f's stream is cancelled, f returns, and lookup
// returns an error wrapping ctx.Err().
func (r *reflection) lookup(ctx context.Context, f func(grpcurl.DescriptorSource) error) error {
	if ctx.Err() != nil {
		return r.aborted(ctx)
	}
	select {
	case r.turn <- struct{}{}:
	case <-ctx.Done():
		return r.aborted(ctx)
	}
	defer func() { <-r.turn }()
	s, err := r.session()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, s.cancel)
	err = f(s.src)
	if stop() {
		return err
	}
	// ctx ended while f ran and took the stream with it.
	r.drop(s)
	if err != nil {
		return r.aborted(ctx)
	}
	return nil
}

// session returns the current session, opening one if there is none.
func (r *reflection) session() (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("reading descriptors from %s: %w", r.addr, errClosed)
	}
	if r.cur == nil {
		// The stream's context is the session's own, not a caller's: a
		// session outlives the lookup that opened it, and its descriptors
		// are cached for later ones.
		ctx, cancel := context.WithCancel(context.Background())
		ref := grpcreflect.NewClientAuto(ctx, r.conn)
		r.cur = &session{src: grpcurl.DescriptorSourceFromServer(ctx, ref), cancel: cancel}
	}
	return r.cur, nil
}

// drop ends s and forgets it, if it is still the current session.
func (r *reflection) drop(s *session) {
	s.cancel()
	r.mu.Lock()
	if r.cur == s {
		r.cur = nil
	}
	r.mu.Unlock()
}

// close ends the current session: a lookup in progress returns, and later
// ones fail.
func (r *reflection) close() {
	r.mu.Lock()
	s := r.cur
	r.cur, r.closed = nil, true
	r.mu.Unlock()
	if s != nil {
		s.cancel()
	}
}

// aborted is the error of a lookup that ctx ended.
func (r *reflection) aborted(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("reading descriptors from %s: server reflection did not answer before the deadline (a hung or overloaded server?); "+
			"give the service's .proto (--proto) or a protoset (--protoset) to call without it: %w", r.addr, ctx.Err())
	}
	return fmt.Errorf("reading descriptors from %s: cancelled before server reflection answered: %w", r.addr, ctx.Err())
}
