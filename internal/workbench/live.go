package workbench

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// Errors of LiveStream.Send.
var (
	ErrHalfClosed = errors.New("the stream is half-closed: it sends no more messages")
	ErrEnded      = errors.New("the stream has ended")
	ErrNoSending  = errors.New("a server-streaming call takes no more messages")
)

// LiveStream is a streaming call in progress that someone drives message
// by message (the dashboard's call view): it reads the server's messages
// with Next, sends with Send, half-closes with CloseSend and ends with
// Cancel. Its call runs on one goroutine, which ends with the call;
// Caller.Close cancels every stream still open. It is safe for
// concurrent use.
type LiveStream struct {
	kind      invoke.Kind
	cancel    context.CancelFunc
	msgs      chan invoke.StreamMessage
	sends     chan []byte
	closeSend chan struct{}
	closeOnce sync.Once
	done      chan struct{} // closed when the call has returned
	call      *Call         // set before done closes
	err       error
}

// Start calls req's method on the first reachable of cands. A unary
// method's answer is the Call, as Call gives it; a streaming method
// gives its open LiveStream (and a nil Call) as soon as the stream is
// open, with req.Body as its first message (its only one when it is
// server-streaming). ctx bounds the start, not the stream: the stream
// lasts until it ends or is cancelled.
func (c *Caller) Start(ctx context.Context, service string, cands []sd.Instance, req invoke.Request) (*Call, *LiveStream, error) {
	sctx, cancel := context.WithCancel(context.Background())
	s := &LiveStream{cancel: cancel, msgs: make(chan invoke.StreamMessage), sends: make(chan []byte),
		closeSend: make(chan struct{}), done: make(chan struct{})}
	started := make(chan invoke.Kind, 1)
	first := req.Body
	req.Stream.OnStart = func(k invoke.Kind) { started <- k }
	req.Stream.Send = func(ctx context.Context) ([]byte, error) { // on the call's one sending goroutine
		if b := first; b != nil {
			first = nil
			return b, nil
		}
		select {
		case b := <-s.sends:
			return b, nil
		case <-s.closeSend:
			return nil, io.EOF
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	req.Stream.OnReceive = func(m invoke.StreamMessage) error {
		select {
		case s.msgs <- m:
		case <-sctx.Done(): // cancelled: no one waits for it, and the call ends as CANCELLED
		}
		return nil
	}
	c.mu.Lock()
	c.live[s] = struct{}{}
	c.mu.Unlock()
	go func() {
		defer close(s.done)
		s.call, s.err = c.Call(sctx, service, cands, req)
		cancel()
		c.mu.Lock()
		delete(c.live, s)
		c.mu.Unlock()
	}()
	select {
	case s.kind = <-started:
		return nil, s, nil
	case <-s.done:
		return s.call, nil, s.err
	case <-ctx.Done():
		cancel()
		<-s.done
		return nil, nil, ctx.Err()
	}
}

// Kind is "server_stream", "client_stream" or "bidi_stream".
func (s *LiveStream) Kind() string { return string(s.kind) }

// Next waits for the server's next message and returns it, with when it
// came since the call started; ok is false when the stream has ended
// (End says how) or ctx ended first.
func (s *LiveStream) Next(ctx context.Context) (body []byte, at time.Duration, ok bool) {
	select {
	case m := <-s.msgs:
		return m.Body, m.At, true
	case <-s.done:
	case <-ctx.Done():
	}
	return nil, 0, false
}

// Send sends one more client message (JSON), waiting until the stream
// takes it or ctx ends. A server-streaming call, a half-closed or an
// ended stream refuse it (ErrNoSending, ErrHalfClosed, ErrEnded).
func (s *LiveStream) Send(ctx context.Context, body []byte) error {
	if s.kind == invoke.ServerStream {
		return ErrNoSending
	}
	select {
	case s.sends <- body:
		return nil
	case <-s.closeSend:
		return ErrHalfClosed
	case <-s.done:
		return ErrEnded
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CloseSend half-closes the stream: the client sends no more, and the
// server may finish. Calling it again does nothing.
func (s *LiveStream) CloseSend() { s.closeOnce.Do(func() { close(s.closeSend) }) }

// Cancel ends the stream (its status is then CANCELLED).
func (s *LiveStream) Cancel() { s.cancel() }

// End waits for the stream's end and returns the call, as Caller.Call
// does: its Result has the status, headers, trailers and counts.
func (s *LiveStream) End() (*Call, error) {
	<-s.done
	return s.call, s.err
}
