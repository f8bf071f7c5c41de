package recorder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

func streaming(md protoreflect.MethodDescriptor) bool {
	return md.IsStreamingClient() || md.IsStreamingServer()
}

// outgoing is the metadata a replayed call sends: the recorded request
// headers less what gRPC sets itself.
func outgoing(ex *Exchange) metadata.MD {
	out := metadata.MD{}
	for k, vs := range ex.Request.Headers {
		if k = strings.ToLower(k); !reservedMD(k) {
			out.Append(k, vs...)
		}
	}
	return out
}

// paceKey marks a context whose stream replays keep the recorded pacing
// (ReplayOptions.Pace).
type paceKey struct{}

func withPacing(ctx context.Context) context.Context { return context.WithValue(ctx, paceKey{}, true) }

func pacing(ctx context.Context) bool { v, _ := ctx.Value(paceKey{}).(bool); return v }

// doStream replays a stream exchange: it sends the recorded client
// messages in order (on a goroutine of the call's own, so that a
// bidirectional server can answer as they go), receives the server's
// messages, and ends as the recording did — when the server ends the
// call, or, for a recording the client cancelled, by cancelling after as
// many messages as were recorded.
func (t *grpcTarget) doStream(ctx context.Context, ex *Exchange, md protoreflect.MethodDescriptor) (*Response, error) {
	full := ex.Request.GRPCMethod
	msgs, err := requestMessages(ex, md)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	desc := &grpc.StreamDesc{StreamName: string(md.Name()), ServerStreams: md.IsStreamingServer(), ClientStreams: md.IsStreamingClient()}
	start := time.Now()
	cs, err := t.cc.NewStream(metadata.NewOutgoingContext(ctx, outgoing(ex)), desc, full)
	if err != nil {
		return streamStatus(full, &Response{}, err)
	}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		sendAll(ctx, cs, msgs, ex.Request.Messages, start, pacing(ctx))
	}()
	resp := &Response{}
	stopAt, keep := -1, len(ex.Response.Messages)+maxExtraMessages
	if ex.Stream.Cancelled {
		stopAt = len(ex.Response.Messages)
	}
	var rerr error
	for n := 0; ; n++ {
		if n == stopAt {
			cancel()
			rerr = status.Error(codes.Canceled, "replay cancelled the call after the recorded messages, as the recording's client did")
			break
		}
		m := dynamicpb.NewMessage(md.Output())
		if err := cs.RecvMsg(m); err != nil {
			if !errors.Is(err, io.EOF) {
				rerr = err
			}
			break
		}
		if len(resp.Messages) >= keep {
			resp.Dropped++
			continue
		}
		b, err := appendMessageJSON(nil, m)
		if err != nil {
			cancel()
			<-sent
			return nil, fmt.Errorf("%s: response message %d to JSON: %w", full, n, err)
		}
		resp.Messages = append(resp.Messages, Message{Offset: time.Since(start), Body: &Body{JSON: b, valid: true}})
	}
	cancel() // ends the sender, should it still wait on pacing or flow control
	<-sent
	if hdr, err := cs.Header(); err == nil {
		resp.Headers = mdMap(hdr)
	}
	resp.Trailers = mdMap(cs.Trailer())
	return streamStatus(full, resp, rerr)
}

// requestMessages checks that ex can be replayed as a call of md and
// decodes its client messages.
func requestMessages(ex *Exchange, md protoreflect.MethodDescriptor) ([]proto.Message, error) {
	full := ex.Request.GRPCMethod
	switch n := len(ex.Request.Messages); {
	case ex.Stream == nil:
		return nil, fmt.Errorf("%w: %s is a streaming method, but the exchange was recorded as a unary call; record it again", ErrReplay, full)
	case !streaming(md):
		return nil, fmt.Errorf("%w: %s is a unary method, but the exchange was recorded as a stream", ErrReplay, full)
	case ex.Request.Dropped > 0:
		return nil, fmt.Errorf("%w: %s: the recording kept %d of the %d messages the client sent (its bound); only a whole client stream replays",
			ErrReplay, full, n, n+ex.Request.Dropped)
	case !md.IsStreamingClient() && n != 1:
		return nil, fmt.Errorf("%w: %s takes one request message; the recording has %d", ErrReplay, full, n)
	}
	msgs := make([]proto.Message, len(ex.Request.Messages))
	for i, m := range ex.Request.Messages {
		in := dynamicpb.NewMessage(md.Input())
		if b := m.Body; b != nil {
			if b.JSON == nil {
				return nil, fmt.Errorf("%w: %s: request message %d is not JSON (truncated, or recorded without the method's descriptor)", ErrReplay, full, i)
			}
			if err := protojson.Unmarshal(b.JSON, in); err != nil {
				return nil, fmt.Errorf("%w: %s: request message %d: %w", ErrReplay, full, i, err)
			}
		}
		msgs[i] = in
	}
	return msgs, nil
}

// sendAll sends msgs on cs, each no earlier than its recorded offset from
// start when pace is set, then half-closes. It stops early when ctx ends
// or the call does (its status then comes through RecvMsg).
func sendAll(ctx context.Context, cs grpc.ClientStream, msgs []proto.Message, rec []Message, start time.Time, pace bool) {
	for i, m := range msgs {
		if pace {
			if d := time.Until(start.Add(rec[i].Offset)); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
		}
		if cs.SendMsg(m) != nil {
			return
		}
	}
	_ = cs.CloseSend()
}

// streamStatus completes resp with the call's outcome err (nil for OK), as
// the unary replay does.
func streamStatus(full string, resp *Response, err error) (*Response, error) {
	if err == nil {
		return resp, nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	if unreachable(st) {
		return nil, fmt.Errorf("%w: %s", ErrUnreachable, st.Message())
	}
	resp.GRPCCode, resp.GRPCMessage, resp.Reason = int(st.Code()), st.Message(), kitgrpc.ReasonOf(st)
	return resp, nil
}

// expectedStream is expected for a stream: each recorded response
// message re-encoded as doStream encodes replies, when it decodes as the
// method's output.
func (t *grpcTarget) expectedStream(ctx context.Context, ex *Exchange) *Response {
	want := ex.Response
	md, err := t.method(ctx, ex.Request.GRPCMethod)
	if err != nil || len(want.Messages) == 0 {
		return &want
	}
	out := make([]Message, len(want.Messages))
	for i, m := range want.Messages {
		out[i] = m
		if m.Body == nil || m.Body.JSON == nil {
			continue
		}
		dm := dynamicpb.NewMessage(md.Output())
		if protojson.Unmarshal(m.Body.JSON, dm) != nil {
			continue
		}
		if norm, err := appendMessageJSON(nil, dm); err == nil {
			nb := *m.Body
			nb.JSON = norm
			out[i].Body = &nb
		}
	}
	want.Messages = out
	return &want
}
