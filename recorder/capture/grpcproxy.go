package capture

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// MethodLookup returns the descriptor of a gRPC method, given its full
// name ("/bookstore.v1.BookService/GetBook"), and false when it does not
// know it. It is how a GRPCProxy, which forwards messages as bytes, learns
// to read them; kitbench record builds one from the backend's server
// reflection.
type MethodLookup func(ctx context.Context, fullMethod string) (protoreflect.MethodDescriptor, bool)

// GRPCProxy forwards every gRPC call it receives — any service, any
// method, unary or streaming — to a backend connection, and records each
// call as one exchange: a way to record a gRPC service that was not built
// with capture, as Proxy does for HTTP.
//
// Messages pass through as bytes, never decoded on the way, so the proxy
// forwards methods it knows nothing about. Request metadata goes to the
// backend (less what grpc-go sets itself: ":authority", "content-type",
// "user-agent", "grpc-*"); the backend's response header, trailer, status
// code, message and details come back unchanged. The caller's deadline
// and cancellation carry over to the backend call.
//
// A recorded exchange has the shape UnaryServerInterceptor gives it, with
// the backend's address as its target: messages are decoded with the
// MethodLookup's descriptors and written as JSON (recorder.MessageBody),
// so a proxied session replays as a server-side capture does. A message
// the lookup cannot describe is kept as its bytes (base64 on disk).
//
// A streaming call is recorded as one stream exchange (recorder format
// 1.1), as StreamServerInterceptor records it: the messages each way with
// their times, bounded by Options.Stream (messages past it are counted,
// not kept), and marked cancelled when the client cancelled the call
// (recorder.Stream.Cancelled). Streams counts them. A call is taken as
// streaming when its descriptor says so or, with no descriptor, when
// more than one message went either way. Server reflection calls
// (grpc.reflection.*), which tools such as grpcurl and kitbench call make
// on their own to learn the API, are forwarded and neither recorded nor
// counted.
//
// A backend that cannot be reached gives the caller grpc-go's
// Unavailable status, and that call is recorded with its code. Messages
// over grpc-go's default size limit (4 MiB) are refused with
// ResourceExhausted; to pass bigger ones, give NewServer
// grpc.MaxRecvMsgSize and the backend connection
// grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(n)).
//
// A GRPCProxy is safe for concurrent use. Its Appender is called on the
// calls' goroutines, once per call.
type GRPCProxy struct {
	backend *grpc.ClientConn
	target  string
	to      recorder.Appender
	opts    Options
	lookup  MethodLookup
	known   sync.Map // full method → protoreflect.MethodDescriptor
	streams atomic.Int64
}

// NewGRPCProxy returns a proxy that forwards calls on backend and records
// them to to. Options.Service, Instance, MaxBody and OnError apply; the
// HTTP-only fields are unused. A nil lookup keeps every message as bytes.
// The caller owns backend and closes it once the proxy's server has
// stopped.
func NewGRPCProxy(backend *grpc.ClientConn, to recorder.Appender, opts Options, lookup MethodLookup) *GRPCProxy {
	target := backend.Target()
	if _, addr, ok := strings.Cut(target, ":///"); ok {
		target = addr // "dns:///host:port" or "passthrough:///host:port"
	}
	return &GRPCProxy{backend: backend, target: target, to: to, opts: opts, lookup: lookup}
}

// NewServer returns a gRPC server that hands every call it receives to
// p, with opts added. Serve it on a listener; Stop or GracefulStop it to
// end. Register nothing else on it: its codec passes bytes through.
func (p *GRPCProxy) NewServer(opts ...grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append([]grpc.ServerOption{
		grpc.UnknownServiceHandler(p.handle),
		grpc.ForceServerCodecV2(rawCodec{}),
	}, opts...)...)
}

// Streams returns how many streaming calls p has forwarded and recorded
// as stream exchanges.
func (p *GRPCProxy) Streams() int64 { return p.streams.Load() }

// bothWays describes any call: the proxy cannot tell unary from streaming
// before it has seen the messages.
var bothWays = &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}

// proxyCall is what one forwarded call leaves behind for its exchange.
type proxyCall struct {
	mu          sync.Mutex // the request side runs on a goroutine of its own
	reqs, resps []proxyMsg // the messages kept, in order
	nreq, nresp int        // the messages passed
	lim         recorder.StreamLimits
	bytes       int
	full        bool // a message was not kept: no later one is
	header      metadata.MD
	trailer     metadata.MD
	err         error
}

// proxyMsg is one message as it passed.
type proxyMsg struct {
	at   time.Time
	data []byte
}

func (c *proxyCall) request(b []byte) { c.add(&c.reqs, &c.nreq, b) }

func (c *proxyCall) response(b []byte) { c.add(&c.resps, &c.nresp, b) }

// add counts a message and keeps it while the stream's bounds allow.
func (c *proxyCall) add(dst *[]proxyMsg, n *int, b []byte) {
	at := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	*n++
	if c.full || len(c.reqs)+len(c.resps) >= c.lim.Messages || c.bytes+len(b) > c.lim.Bytes {
		c.full = true
		return
	}
	c.bytes += len(b)
	*dst = append(*dst, proxyMsg{at: at, data: b})
}

// handle forwards one call and records it when it was unary.
func (p *GRPCProxy) handle(_ any, ss grpc.ServerStream) error {
	full, ok := grpc.MethodFromServerStream(ss)
	if !ok {
		return status.Error(codes.Internal, "capture: gRPC proxy: the call has no method")
	}
	start := time.Now()
	in, _ := metadata.FromIncomingContext(ss.Context())
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel() // ends the backend call when the handler returns early (a client gone)
	c := &proxyCall{lim: p.opts.streamLimits()}
	cs, err := p.backend.NewStream(metadata.NewOutgoingContext(ctx, forwardable(in)), bothWays, full, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		c.err = err
		if md, ok := p.method(ctx, full); ok && !streams(md) {
			// Unary: the request is on its way; keep it for the record.
			var f frame
			if ss.RecvMsg(&f) == nil {
				c.request(f.data)
			}
		}
	} else {
		go forwardRequests(ss, cs, c, cancel)
		c.err = p.forwardResponses(ss, cs, c)
	}
	dur := time.Since(start)
	p.record(ctx, full, start, dur, in, c, errors.Is(ss.Context().Err(), context.Canceled))
	return c.err
}

// forwardRequests copies the client's messages to the backend until the
// client half-closes (then it half-closes the backend call) or the call
// ends. It owns no state past the call: once the handler returns, grpc-go
// closes the client's stream and RecvMsg returns.
func forwardRequests(ss grpc.ServerStream, cs grpc.ClientStream, c *proxyCall, cancel context.CancelFunc) {
	for {
		var f frame
		if err := ss.RecvMsg(&f); err != nil {
			if errors.Is(err, io.EOF) {
				_ = cs.CloseSend()
			} else {
				cancel() // the client is gone
			}
			return
		}
		c.request(f.data)
		if cs.SendMsg(&f) != nil {
			return // the backend ended the call: its status comes through RecvMsg
		}
	}
}

// forwardResponses copies the backend's header, messages and trailer to
// the client and returns the backend's status (nil for OK).
func (p *GRPCProxy) forwardResponses(ss grpc.ServerStream, cs grpc.ClientStream, c *proxyCall) error {
	hdr, _ := cs.Header() // nil: the call ended without a header (trailers only)
	if hdr != nil {
		c.header = forwardable(hdr)
		if err := ss.SendHeader(c.header); err != nil {
			return err
		}
	}
	for {
		var f frame
		if err := cs.RecvMsg(&f); err != nil {
			c.trailer = forwardable(cs.Trailer())
			ss.SetTrailer(c.trailer)
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		c.response(f.data)
		if err := ss.SendMsg(&f); err != nil {
			return err
		}
	}
}

// record appends the exchange of a call, unary or streaming (counted).
// cancelled says the client cancelled the call.
func (p *GRPCProxy) record(ctx context.Context, full string, start time.Time, dur time.Duration, in metadata.MD, c *proxyCall, cancelled bool) {
	if strings.HasPrefix(full, reflectionPrefix) {
		return // the client's tooling, not its traffic
	}
	md, known := p.method(ctx, full)
	ex := recorder.Exchange{
		Time: start, Duration: dur,
		Service: p.opts.Service, Instance: p.opts.Instance,
		Endpoint:  full[strings.LastIndexByte(full, '/')+1:],
		Transport: recorder.TransportGRPC, Target: p.target,
	}
	ex.Request.GRPCMethod, ex.Request.Headers = full, mdOrNil(in)
	if tp := in["traceparent"]; len(tp) > 0 {
		ex.TraceID = traceID(tp[0])
	}
	max := p.opts.maxBody()
	var inDesc, outDesc protoreflect.MessageDescriptor
	if known {
		inDesc, outDesc = md.Input(), md.Output()
	}
	ex.Response.Headers, ex.Response.Trailers = mdOrNil(c.header), mdOrNil(c.trailer)
	c.mu.Lock() // the request side may still be returning
	if known && streams(md) || !known && (c.nreq > 1 || c.nresp > 1) {
		c.streamExchange(&ex, md, known, inDesc, outDesc, max, cancelled)
		c.mu.Unlock()
		p.streams.Add(1)
		p.opts.failed(p.to.Append(ex))
		return
	}
	if len(c.reqs) > 0 {
		ex.Request.Body = rawBody(c.reqs[0].data, inDesc, max)
	}
	c.mu.Unlock()
	if c.err != nil {
		st := status.Convert(c.err)
		ex.Response.GRPCCode, ex.Response.GRPCMessage = int(st.Code()), st.Message()
		ex.Response.Reason = kitgrpc.ReasonOf(st)
	} else if len(c.resps) > 0 {
		ex.Response.Body = rawBody(c.resps[0].data, outDesc, max)
	}
	p.opts.failed(p.to.Append(ex))
}

// reflectionPrefix starts the full method names of gRPC server reflection
// (v1 and v1alpha).
const reflectionPrefix = "/grpc.reflection."

// method looks fullMethod up, remembering what it found (and only that:
// a name a client made up costs a lookup, never memory).
func (p *GRPCProxy) method(ctx context.Context, full string) (protoreflect.MethodDescriptor, bool) {
	if md, ok := p.known.Load(full); ok {
		return md.(protoreflect.MethodDescriptor), true
	}
	if p.lookup == nil {
		return nil, false
	}
	md, ok := p.lookup(ctx, full)
	if !ok || md == nil {
		return nil, false
	}
	p.known.Store(full, md)
	return md, true
}

func streams(md protoreflect.MethodDescriptor) bool {
	return md.IsStreamingClient() || md.IsStreamingServer()
}

// rawBody turns a message's bytes into a body: JSON when d describes
// them, the bytes themselves otherwise. A body longer than max is kept as
// its first max bytes, marked truncated; max zero keeps none.
func rawBody(raw []byte, d protoreflect.MessageDescriptor, max int) *recorder.Body {
	if max == 0 {
		return nil
	}
	if d != nil {
		m := dynamicpb.NewMessage(d)
		if proto.Unmarshal(raw, m) == nil {
			if b, err := recorder.MessageBody(m); err == nil {
				if len(b.JSON) <= max {
					return b
				}
				raw = b.JSON
			}
		}
	}
	switch {
	case len(raw) == 0:
		return nil
	case len(raw) > max:
		return &recorder.Body{Bytes: raw[:max], Truncated: true, Size: int64(len(raw))}
	}
	return &recorder.Body{Bytes: raw}
}

// forwardable is md less the keys grpc-go sets on a call itself.
func forwardable(md metadata.MD) metadata.MD {
	out := make(metadata.MD, len(md))
	for k, vs := range md {
		if strings.HasPrefix(k, ":") || strings.HasPrefix(k, "grpc-") ||
			k == "content-type" || k == "user-agent" || k == "te" {
			continue
		}
		out[k] = vs
	}
	return out
}

// frame is one message as it travels: its encoded bytes.
type frame struct{ data []byte }

// rawCodec passes frames through undecoded. It is named "proto" so that
// calls keep the usual content type, application/grpc+proto.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	f, ok := v.(*frame)
	if !ok {
		return nil, status.Errorf(codes.Internal, "capture: gRPC proxy: cannot send a %T", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(f.data)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	f, ok := v.(*frame)
	if !ok {
		return status.Errorf(codes.Internal, "capture: gRPC proxy: cannot receive into a %T", v)
	}
	f.data = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }
