package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Kind is how a method's messages flow.
type Kind string

// The four kinds of gRPC method.
const (
	Unary        Kind = "unary"         // one request, one answer
	ServerStream Kind = "server_stream" // one request, many answers
	ClientStream Kind = "client_stream" // many requests, one answer
	BidiStream   Kind = "bidi_stream"   // many of each, both ways at once
)

// Why a caller's limit ended a stream: StreamStats.Stopped.
const (
	StoppedMaxMessages = "max_messages"
	StoppedMaxTime     = "max_time"
)

// StreamOptions say how a streaming method is called. The zero value
// sends Request.Body as the only client message, hears the server's
// messages only in the Result's counts, and waits for the stream's end
// (bounded by the context only).
type StreamOptions struct {
	// Send gives a client-streaming or bidirectional call its messages,
	// one JSON object a call, in order; io.EOF after the last one
	// half-closes the stream, and any other error cancels it and is the
	// call's error. It runs on the one goroutine the call starts to send
	// while it receives, and must return when ctx ends. Nil means
	// Request.Body is the only message. A unary or server-streaming call
	// takes its one request from Body, or from Send when Body is nil
	// (more than one message is then an error wrapping ErrBadRequest).
	Send func(ctx context.Context) ([]byte, error)
	// OnStart hears that the stream is open, before any message; nil
	// means no one does. It is not called for a unary method.
	OnStart func(Kind)
	// OnHeader hears the server's header metadata when it arrives; nil
	// means no one does (Result.Header has it at the end).
	OnHeader func(map[string][]string)
	// OnSend hears each client message once it is sent, on the goroutine
	// that runs Send; nil means no one does.
	OnSend func(StreamMessage)
	// OnReceive hears each server message as it arrives, in order, on the
	// goroutine that called Invoke; while it runs, no further message is
	// read (grpc-go's flow control holds the server). An error it returns
	// (stdout closed, say) cancels the stream and is the call's error.
	// Nil means no one hears them.
	OnReceive func(StreamMessage) error
	// MaxMessages ends the stream after this many server messages; zero
	// means no limit.
	MaxMessages int
	// Timeout bounds a streaming call instead of Request.Timeout (which
	// then bounds only the lookup of its descriptors): the stream's end is
	// DEADLINE_EXCEEDED, a failure. Zero means only the context's
	// deadline, since a stream may rightly last.
	Timeout time.Duration
	// MaxTime ends the stream after this long; zero means no limit.
	// Unlike Timeout (a deadline: DEADLINE_EXCEEDED, a failure),
	// a stream ended by MaxTime or MaxMessages is a success (Result.OK)
	// whose StreamStats.Stopped says which limit ended it.
	MaxTime time.Duration
	// ProtoNames names the fields of the messages given to OnReceive, and
	// of Result.Body, as the .proto declares them (create_time); false
	// gives proto3 JSON's lowerCamelCase (createTime), as grpcurl prints.
	ProtoNames bool
}

// StreamMessage is one message of a stream.
type StreamMessage struct {
	// Index counts the messages in one direction, from 0.
	Index int
	// At is when the message was sent or received, from the call's start.
	At time.Duration
	// Body is the message as compact JSON.
	Body json.RawMessage
}

// StreamStats is what Result says of a streaming call.
type StreamStats struct {
	Kind     Kind `json:"kind"`
	Sent     int  `json:"sent"`     // client messages sent
	Received int  `json:"received"` // server messages received
	// Stopped is StoppedMaxMessages or StoppedMaxTime when one of the
	// caller's limits ended the stream (its status is then CANCELLED);
	// empty when the server ended it, or a deadline or cancel did.
	Stopped string `json:"stopped,omitempty"`
}

var (
	errMaxMessages = errors.New("stopped at the message limit")
	errMaxTime     = errors.New("stopped at the time limit")
	errFinished    = errors.New("stream finished")
)

// localError is a failure on the caller's side that ends a stream — of
// StreamOptions.Send, of a message it gave, of formatting an answer —
// and the cause the stream is cancelled with; the call returns err.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }

// Kind resolves name as Resolve does and says how its messages flow.
func (g *GRPCClient) Kind(ctx context.Context, name string) (Kind, error) {
	m, err := g.resolve(ctx, name)
	if err != nil {
		return "", err
	}
	return m.kind(), nil
}

func (m *method) kind() Kind {
	c, s := m.desc.IsStreamingClient(), m.desc.IsStreamingServer()
	switch {
	case c && s:
		return BidiStream
	case c:
		return ClientStream
	case s:
		return ServerStream
	}
	return Unary
}

// only is the one request of a unary or server-streaming call: body, or
// the one message Send gives when body is nil.
func (o StreamOptions) only(ctx context.Context, body []byte, method string, k Kind) ([]byte, error) {
	if body != nil || o.Send == nil {
		return body, nil
	}
	first, err := o.Send(ctx)
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err = o.Send(ctx); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s is %s and takes one request message; more than one was given", ErrBadRequest, strings.TrimPrefix(method, "/"), k)
	}
	return first, nil
}

// stream calls a streaming method: the sending goroutine (client and
// bidirectional streams only) and the receiving loop, on the caller's
// goroutine.
func (g *GRPCClient) stream(ctx context.Context, m *method, req Request) (*Result, error) {
	o := req.Stream
	kind := m.kind()
	var first *dynamicpb.Message // the one message sent, when Send gives none
	var body []byte
	if kind == ServerStream || o.Send == nil {
		var err error
		if body, err = o.only(ctx, req.Body, m.full, kind); err != nil {
			return nil, err
		}
		if first, err = m.parse(body); err != nil {
			return nil, err
		}
	}
	md, sent, traceID, err := outgoing(req.Header)
	if err != nil {
		return nil, err
	}
	res := &Result{Transport: GRPC, Target: g.addr, Method: m.full, TraceID: traceID, RequestHeader: sent, Stream: &StreamStats{Kind: kind}}
	res.RequestBody, _ = compact(body)
	ctx, cancel := context.WithCancelCause(metadata.NewOutgoingContext(ctx, md))
	defer cancel(errFinished)
	if o.MaxTime > 0 { // a timer, not a deadline: the server is not told (grpc-timeout), and does not end the stream first
		t := time.AfterFunc(o.MaxTime, func() { cancel(errMaxTime) })
		defer t.Stop()
	}
	res.Start = time.Now()
	desc := &grpc.StreamDesc{StreamName: string(m.desc.Name()), ServerStreams: m.desc.IsStreamingServer(), ClientStreams: m.desc.IsStreamingClient()}
	cs, err := g.conn.NewStream(ctx, desc, m.full)
	if err != nil {
		g.end(ctx, res, err, nil)
		return res, nil
	}
	if o.OnStart != nil {
		o.OnStart(kind)
	}
	sendDone := make(chan int, 1)
	if first != nil {
		n := 0
		if cs.SendMsg(first) == nil { // io.EOF: the server ended the stream, RecvMsg says how
			n = 1
			if o.OnSend != nil {
				o.OnSend(StreamMessage{At: time.Since(res.Start), Body: res.RequestBody})
			}
		}
		_ = cs.CloseSend() // always nil
		sendDone <- n
	} else {
		go func() { sendDone <- m.sendAll(ctx, cancel, cs, o, res.Start) }()
	}
	end := m.receive(ctx, cancel, cs, o, res)
	cause := context.Cause(ctx)
	cancel(errFinished) // ends the sender, and the call if the receiver stopped it
	res.Stream.Sent = <-sendDone
	var le *localError
	if errors.As(cause, &le) {
		return nil, le.err
	}
	var trl metadata.MD
	if !errors.Is(end, errMaxMessages) && (end != nil || !desc.ServerStreams) { // RecvMsg saw the end
		trl = cs.Trailer()
	}
	g.end(ctx, res, end, trl)
	return res, nil
}

// sendAll sends what o.Send gives until io.EOF, and returns how many
// messages were sent. A failure of Send or a bad message cancels the
// stream with a localError.
func (m *method) sendAll(ctx context.Context, cancel context.CancelCauseFunc, cs grpc.ClientStream, o StreamOptions, start time.Time) int {
	for n := 0; ; n++ {
		b, err := o.Send(ctx)
		if errors.Is(err, io.EOF) {
			_ = cs.CloseSend() // always nil
			return n
		}
		if err != nil {
			if ctx.Err() == nil {
				cancel(&localError{err})
			}
			return n
		}
		msg, err := m.parse(b)
		if err != nil {
			cancel(&localError{fmt.Errorf("message %d: %w", n+1, err)})
			return n
		}
		if cs.SendMsg(msg) != nil { // io.EOF: the server ended the stream, RecvMsg says how
			return n
		}
		if o.OnSend != nil {
			body, _ := compact(b)
			o.OnSend(StreamMessage{Index: n, At: time.Since(start), Body: body})
		}
	}
}

// receive reads the server's messages until the stream ends, and returns
// its end: nil or io.EOF for OK, else the status error. Hitting
// MaxMessages cancels the stream.
func (m *method) receive(ctx context.Context, cancel context.CancelCauseFunc, cs grpc.ClientStream, o StreamOptions, res *Result) error {
	if h, err := cs.Header(); err == nil {
		res.Header = h
		if o.OnHeader != nil && h != nil {
			o.OnHeader(h)
		}
	}
	out := dynamicpb.NewMessage(m.desc.Output())
	mo := protojson.MarshalOptions{Resolver: m.types, UseProtoNames: o.ProtoNames}
	for {
		if err := cs.RecvMsg(out); err != nil {
			return err
		}
		b, err := mo.Marshal(out)
		if err != nil {
			err = fmt.Errorf("formatting a message of %s as JSON: %w", m.full, err)
			cancel(&localError{err})
			return status.Error(codes.Canceled, err.Error())
		}
		b, _ = compact(b)
		n := res.Stream.Received
		res.Stream.Received++
		if res.Stream.Kind == ClientStream {
			res.Body = b
		}
		if o.OnReceive != nil {
			if err := o.OnReceive(StreamMessage{Index: n, At: time.Since(res.Start), Body: b}); err != nil {
				cancel(&localError{err})
				return err
			}
		}
		if res.Stream.Kind == ClientStream {
			return nil // its one answer: grpc-go has read the status with it
		}
		if o.MaxMessages > 0 && res.Stream.Received >= o.MaxMessages {
			cancel(errMaxMessages)
			return errMaxMessages
		}
	}
}

// end fills in res's status from the stream's end (nil or io.EOF: OK).
func (g *GRPCClient) end(ctx context.Context, res *Result, end error, trl metadata.MD) {
	res.Duration = time.Since(res.Start)
	if errors.Is(end, io.EOF) {
		end = nil
	}
	st := status.Convert(end)
	switch cause := context.Cause(ctx); {
	case end == nil:
	case errors.Is(cause, errMaxMessages):
		res.Stream.Stopped = StoppedMaxMessages
		st = status.Newf(codes.Canceled, "stopped by the caller after %d messages", res.Stream.Received)
	case errors.Is(cause, errMaxTime):
		res.Stream.Stopped = StoppedMaxTime
		st = status.Newf(codes.Canceled, "stopped by the caller after %s", res.Duration.Round(time.Millisecond))
	}
	res.Code, res.Status, res.Message = int(st.Code()), codeName(st.Code()), st.Message()
	res.Reason = grpcReason(st)
	res.Trailer = trl
}
