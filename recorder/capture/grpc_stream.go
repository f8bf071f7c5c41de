package capture

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// StreamServerInterceptor records every streaming call the server
// handles as one stream exchange (recorder format 1.1): its metadata, the
// messages each way with their times, response header and trailer, and
// status, appended to to on the call's goroutine once the call ends.
// Messages are encoded as JSON as they pass (see recorder.MessageBody),
// so a handler may reuse a message after sending it; each is bounded by
// MaxBody, and the stream by Options.Stream (messages past it are
// counted, not kept). A call the client cancelled is marked so
// (recorder.Stream.Cancelled), which is how a watch that never ends by
// itself is replayed. Server reflection streams (grpc.reflection.*),
// which tools open on their own, are not recorded. The call itself is not
// changed.
func StreamServerInterceptor(to recorder.Appender, opts Options) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if strings.HasPrefix(info.FullMethod, reflectionPrefix) {
			return handler(srv, ss)
		}
		ex, err := interceptStream(srv, ss, info, handler, &opts)
		opts.failed(to.Append(ex))
		return err
	}
}

// Stream is a grpc.StreamServerInterceptor that records every streaming
// call as StreamServerInterceptor does, and hands the exchange to c's
// goroutine to redact and write (see Capture). The messages are encoded
// on the call's goroutine as they pass.
func (c *Capture) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if c.closed.Load() || strings.HasPrefix(info.FullMethod, reflectionPrefix) {
		return handler(srv, ss)
	}
	ex, err := interceptStream(srv, ss, info, handler, &c.opts)
	rec := getRecord()
	rec.grpc, rec.g.stream = true, &ex
	c.enqueue(rec)
	return err
}

// interceptStream calls handler with a stream that copies what passes,
// and returns the call's exchange.
func interceptStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler, opts *Options) (recorder.Exchange, error) {
	ctx := ss.Context()
	base := recorder.Exchange{Time: time.Now(), Service: opts.Service, Instance: opts.Instance,
		Endpoint: info.FullMethod[strings.LastIndexByte(info.FullMethod, '/')+1:], Transport: recorder.TransportGRPC}
	md, _ := metadata.FromIncomingContext(ctx)
	base.Request.GRPCMethod, base.Request.Headers = info.FullMethod, mdOrNil(md)
	if tp := md["traceparent"]; len(tp) > 0 {
		base.TraceID = traceID(tp[0])
	}
	if p, ok := peer.FromContext(ctx); ok && p.LocalAddr != nil {
		base.Target = p.LocalAddr.String()
	}
	kind := recorder.StreamBidi
	switch {
	case !info.IsClientStream:
		kind = recorder.StreamServer
	case !info.IsServerStream:
		kind = recorder.StreamClient
	}
	ts := &tapStream{ServerStream: ss, ctx: ctx, sr: recorder.NewStreamRecorder(base, kind, opts.Stream), max: opts.maxBody()}
	// The tap sees metadata a handler sets through its context
	// (grpc.SetHeader), as the unary interceptor's does.
	var tap *streamTap
	if st := grpc.ServerTransportStreamFromContext(ctx); st != nil {
		tap = &streamTap{st: st, method: st.Method()}
		ts.ctx = grpc.NewContextWithServerTransportStream(ctx, tap)
	}
	err := handler(srv, ts)
	cancelled := errors.Is(ctx.Err(), context.Canceled)
	ts.mu.Lock()
	header, trailer := ts.header, ts.trailer
	ts.mu.Unlock()
	if tap != nil {
		tap.mu.Lock()
		header, trailer = metadata.Join(header, tap.header), metadata.Join(trailer, tap.trailer)
		tap.st = nil // the call is over: later metadata is refused, and the stream not kept
		tap.mu.Unlock()
	}
	return ts.sr.Done(time.Now(), err, mdOrNil(header), mdOrNil(trailer), cancelled), err
}

// tapStream is a grpc.ServerStream that copies the messages and metadata
// that pass through it into a StreamRecorder.
type tapStream struct {
	grpc.ServerStream
	ctx context.Context
	sr  *recorder.StreamRecorder
	max int

	mu              sync.Mutex
	header, trailer metadata.MD
}

func (s *tapStream) Context() context.Context { return s.ctx }

func (s *tapStream) SetHeader(md metadata.MD) error {
	err := s.ServerStream.SetHeader(md)
	s.keep(&s.header, md, err)
	return err
}

func (s *tapStream) SendHeader(md metadata.MD) error {
	err := s.ServerStream.SendHeader(md)
	s.keep(&s.header, md, err)
	return err
}

func (s *tapStream) SetTrailer(md metadata.MD) {
	s.ServerStream.SetTrailer(md)
	s.keep(&s.trailer, md, nil)
}

func (s *tapStream) keep(dst *metadata.MD, md metadata.MD, err error) {
	if err != nil {
		return
	}
	s.mu.Lock()
	*dst = metadata.Join(*dst, md)
	s.mu.Unlock()
}

func (s *tapStream) SendMsg(m any) error {
	at := time.Now()
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.sr.Response(at, s.body(m))
	}
	return err
}

func (s *tapStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.sr.Request(time.Now(), s.body(m))
	}
	return err
}

// body encodes m, unless the stream's bound drops it anyway.
func (s *tapStream) body(m any) *recorder.Body {
	if s.sr.Full() {
		return nil
	}
	return (*scratch)(nil).messageBody(nil, m, s.max)
}
