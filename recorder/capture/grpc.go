package capture

import (
	"context"
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
	if st := grpc.ServerTransportStreamFromContext(ctx); st != nil {
		rec.g.tap.ServerTransportStream = st
		ctx = grpc.NewContextWithServerTransportStream(ctx, &rec.g.tap)
	}
	resp, err := handler(ctx, req)
	rec.dur = time.Since(rec.start)
	if p, ok := peer.FromContext(ctx); ok {
		rec.g.local = p.LocalAddr
	}
	rec.g.resp, rec.g.err = resp, err
	rec.g.tap.mu.Lock()
	rec.g.header, rec.g.trailer = rec.g.tap.header, rec.g.tap.trailer
	rec.g.tap.mu.Unlock()
	return rec, resp, err
}

// streamTap passes header and trailer calls through and keeps copies.
type streamTap struct {
	grpc.ServerTransportStream
	mu              sync.Mutex
	header, trailer metadata.MD
}

func (s *streamTap) SetHeader(md metadata.MD) error {
	s.keep(&s.header, md)
	return s.ServerTransportStream.SetHeader(md)
}

func (s *streamTap) SendHeader(md metadata.MD) error {
	s.keep(&s.header, md)
	return s.ServerTransportStream.SendHeader(md)
}

func (s *streamTap) SetTrailer(md metadata.MD) error {
	s.keep(&s.trailer, md)
	return s.ServerTransportStream.SetTrailer(md)
}

func (s *streamTap) keep(dst *metadata.MD, md metadata.MD) {
	s.mu.Lock()
	*dst = metadata.Join(*dst, md)
	s.mu.Unlock()
}
