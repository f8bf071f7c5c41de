package capture

import (
	"context"

	"github.com/kitbench/kitbench/recorder"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// streamLimits are o.Stream with the defaults filled in.
func (o *Options) streamLimits() recorder.StreamLimits {
	l := o.Stream
	switch {
	case l.Messages == 0:
		l.Messages = recorder.DefaultStreamMessages
	case l.Messages < 0:
		l.Messages = 0
	}
	switch {
	case l.Bytes == 0:
		l.Bytes = recorder.DefaultStreamBytes
	case l.Bytes < 0:
		l.Bytes = 0
	}
	return l
}

// streamExchange fills ex, which holds what every call has, as the stream
// exchange of c. The caller holds c.mu.
func (c *proxyCall) streamExchange(ex *recorder.Exchange, md protoreflect.MethodDescriptor, known bool,
	inDesc, outDesc protoreflect.MessageDescriptor, maxBody int, cancelled bool) {
	ex.Stream = &recorder.Stream{Cancelled: cancelled}
	if known {
		ex.Stream.Kind = streamKind(md)
	}
	ex.Request.Messages = proxyMessages(c.reqs, ex, inDesc, maxBody)
	ex.Response.Messages = proxyMessages(c.resps, ex, outDesc, maxBody)
	ex.Request.Dropped, ex.Response.Dropped = c.nreq-len(c.reqs), c.nresp-len(c.resps)
	switch {
	case cancelled: // whatever the backend said, the client saw its own Canceled
		ex.Response.GRPCCode, ex.Response.GRPCMessage = int(codes.Canceled), context.Canceled.Error()
	case c.err != nil:
		st := status.Convert(c.err)
		ex.Response.GRPCCode, ex.Response.GRPCMessage, ex.Response.Reason = int(st.Code()), st.Message(), kitgrpc.ReasonOf(st)
	}
}

func proxyMessages(ms []proxyMsg, ex *recorder.Exchange, d protoreflect.MessageDescriptor, maxBody int) []recorder.Message {
	if len(ms) == 0 {
		return nil
	}
	out := make([]recorder.Message, len(ms))
	for i, m := range ms {
		out[i] = recorder.Message{Offset: max(m.at.Sub(ex.Time), 0), Body: rawBody(m.data, d, maxBody)}
	}
	return out
}

// streamKind names md's kind of stream.
func streamKind(md protoreflect.MethodDescriptor) string {
	switch {
	case !md.IsStreamingClient():
		return recorder.StreamServer
	case !md.IsStreamingServer():
		return recorder.StreamClient
	}
	return recorder.StreamBidi
}
