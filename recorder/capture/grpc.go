package capture

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// UnaryServerInterceptor records every unary call the server handles,
// with its metadata, status, response headers and trailers, to to.
// Messages are written as JSON (see recorder.MessageBody). The call
// itself is not changed. Options.Name and Skip are for HTTP and unused
// here; MaxBody bounds each message's JSON.
func UnaryServerInterceptor(to recorder.Appender, opts Options) grpc.UnaryServerInterceptor {
	max := opts.maxBody()
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		md, _ := metadata.FromIncomingContext(ctx)
		tap := &streamTap{}
		if st := grpc.ServerTransportStreamFromContext(ctx); st != nil {
			tap.ServerTransportStream = st
			ctx = grpc.NewContextWithServerTransportStream(ctx, tap)
		}
		resp, err := handler(ctx, req)
		dur := time.Since(start)

		ex := recorder.Exchange{
			Time: start, Service: opts.Service, Instance: opts.Instance,
			Endpoint:  info.FullMethod[strings.LastIndexByte(info.FullMethod, '/')+1:],
			Transport: recorder.TransportGRPC,
			Request:   recorder.Request{GRPCMethod: info.FullMethod, Headers: map[string][]string(md.Copy())},
			Duration:  dur,
		}
		if p, ok := peer.FromContext(ctx); ok && p.LocalAddr != nil {
			ex.Target = p.LocalAddr.String()
		}
		if tp := md.Get("traceparent"); len(tp) > 0 {
			ex.TraceID = traceID(tp[0])
		}
		ex.Request.Body = messageBody(req, max)
		tap.mu.Lock()
		ex.Response.Headers, ex.Response.Trailers = mdOrNil(tap.header), mdOrNil(tap.trailer)
		tap.mu.Unlock()
		if err != nil {
			st := status.Convert(err)
			ex.Response.GRPCCode, ex.Response.GRPCMessage = int(st.Code()), st.Message()
		} else {
			ex.Response.Body = messageBody(resp, max)
		}
		opts.failed(to.Append(ex))
		return resp, err
	}
}

func messageBody(m any, max int) *recorder.Body {
	pm, ok := m.(proto.Message)
	if !ok || max == 0 {
		return nil
	}
	b, err := recorder.MessageBody(pm)
	if err != nil {
		return nil
	}
	if len(b.JSON) > max {
		return &recorder.Body{Bytes: b.JSON[:max], Truncated: true, Size: int64(len(b.JSON))}
	}
	return b
}

func mdOrNil(md metadata.MD) map[string][]string {
	if len(md) == 0 {
		return nil
	}
	return map[string][]string(md)
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
