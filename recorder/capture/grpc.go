package capture

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// UnaryServerInterceptor records every unary call the server handles,
// with its metadata, status, response headers and trailers, to to, on the
// call's goroutine (a busy service uses New and Capture.Unary instead).
// Messages are written as JSON (see recorder.MessageBody). The call
// itself is not changed. Options.Name and Skip are for HTTP and unused
// here; MaxBody bounds each message's JSON.
func UnaryServerInterceptor(to recorder.Appender, opts Options) grpc.UnaryServerInterceptor {
	max := opts.maxBody()
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		rec, resp, err := intercept(ctx, req, info, handler)
		var ex recorder.Exchange
		rec.exchange(&ex, &opts, max, false, nil)
		putRecord(rec)
		opts.failed(to.Append(ex))
		return resp, err
	}
}

// Unary is a grpc.UnaryServerInterceptor that records every unary call the
// server handles, with its metadata, status, response headers and
// trailers, through c (see Capture). Messages are written as JSON (see
// recorder.MessageBody), by c's goroutine: the handler must not modify
// its request or response message once it has returned (grpc-go does
// not). The call itself is not changed.
func (c *Capture) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if c.closed.Load() {
		return handler(ctx, req)
	}
	rec, resp, err := intercept(ctx, req, info, handler)
	c.enqueue(rec)
	return resp, err
}

// intercept calls handler and keeps what the call leaves behind.
func intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (*record, any, error) {
	rec := getRecord()
	rec.grpc, rec.g.fullMethod, rec.g.req = true, info.FullMethod, req
	rec.start = time.Now()
	rec.g.md, _ = metadata.FromIncomingContext(ctx) // a copy of its own
	// The tap is the call's own, not rec's: a goroutine the handler left
	// behind may still hold it when rec is recycled.
	var tap *streamTap
	if st := grpc.ServerTransportStreamFromContext(ctx); st != nil {
		tap = &streamTap{st: st, method: st.Method()}
		ctx = grpc.NewContextWithServerTransportStream(ctx, tap)
	}
	resp, err := handler(ctx, req)
	rec.dur = time.Since(rec.start)
	if p, ok := peer.FromContext(ctx); ok {
		rec.g.local = p.LocalAddr
	}
	rec.g.resp, rec.g.err = resp, err
	if tap != nil {
		tap.mu.Lock()
		rec.g.header, rec.g.trailer = tap.header, tap.trailer
		tap.st = nil // the call is over: later metadata is refused, and the stream not kept
		tap.mu.Unlock()
	}
	return rec, resp, err
}

// errCallOver: a handler's goroutine set metadata after the call returned.
var errCallOver = errors.New("capture: metadata set after the call returned")

// streamTap passes header and trailer calls through to the call's stream
// and keeps copies, until the call returns.
type streamTap struct {
	mu              sync.Mutex
	st              grpc.ServerTransportStream // nil once the call is over
	method          string
	header, trailer metadata.MD
}

func (s *streamTap) Method() string { return s.method }

func (s *streamTap) SetHeader(md metadata.MD) error {
	return s.pass(&s.header, md, grpc.ServerTransportStream.SetHeader)
}

func (s *streamTap) SendHeader(md metadata.MD) error {
	return s.pass(&s.header, md, grpc.ServerTransportStream.SendHeader)
}

func (s *streamTap) SetTrailer(md metadata.MD) error {
	return s.pass(&s.trailer, md, grpc.ServerTransportStream.SetTrailer)
}

func (s *streamTap) pass(dst *metadata.MD, md metadata.MD, f func(grpc.ServerTransportStream, metadata.MD) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st == nil {
		return errCallOver
	}
	if err := f(s.st, md); err != nil {
		return err
	}
	*dst = metadata.Join(*dst, md)
	return nil
}
