package recorder

import (
	"context"
	"errors"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

// Stream kinds, as Stream.Kind names them.
const (
	StreamServer = "server" // one request message, many responses
	StreamClient = "client" // many request messages, one response
	StreamBidi   = "bidi"   // many both ways
)

// Stream marks an exchange as a streaming gRPC call (format 1.1).
type Stream struct {
	// Kind is StreamServer, StreamClient or StreamBidi; empty when the
	// recorder did not know the method's descriptor. Replay goes by the
	// descriptor, not by Kind.
	Kind string `json:"kind,omitempty"`
	// Cancelled says the client ended the call by cancelling it after
	// the last response message recorded (a watch that never ends by
	// itself, read up to a bound). Replay then reads as many response
	// messages as were recorded, compares them, and cancels in turn; the
	// Canceled status is what it expects. False means the call ended by
	// itself, with Response.GRPCCode.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Message is one message of a stream, in one direction.
type Message struct {
	// Offset is when the message passed, from the exchange's Time
	// (nanoseconds on disk); replay can keep the client's pacing by it.
	Offset time.Duration `json:"offset_ns"`
	// Body is the message, as a unary call's body is stored: JSON in the
	// protobuf JSON mapping with proto field names, or its bytes when
	// the recorder had no descriptor; truncated past the capture limit.
	Body *Body `json:"body,omitempty"`
}

// Defaults of StreamLimits.
const (
	// DefaultStreamMessages is how many messages, both ways together,
	// one stream exchange keeps.
	DefaultStreamMessages = 1000
	// DefaultStreamBytes is how many bytes of message bodies one stream
	// exchange keeps (a quarter of the longest line a Writer writes).
	DefaultStreamBytes = DefaultMaxLine / 4
)

// StreamLimits bound what one stream exchange keeps, so that a long
// stream stays one line a reader accepts. Messages past a bound are not
// kept but counted (Request.Dropped, Response.Dropped).
type StreamLimits struct {
	// Messages bounds the messages kept, both ways together; zero means
	// DefaultStreamMessages, negative keeps none.
	Messages int
	// Bytes bounds the bodies kept, both ways together; zero means
	// DefaultStreamBytes, negative keeps none. A message that would go
	// past it is dropped, and so is every later one.
	Bytes int
}

func limit(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// StreamRecorder builds the exchange of one streaming call while its
// messages pass: the gRPC capture interceptor, the recording proxy and
// `kitbench call --record` record streams with it. Its methods are safe
// for concurrent use, so that the sending and the receiving side of a
// call may each report their messages from their own goroutine.
type StreamRecorder struct {
	mu       sync.Mutex
	ex       Exchange
	maxMsgs  int
	maxBytes int
	n, bytes int
	full     bool // a message was dropped: every later one is too
	done     bool
}

// NewStreamRecorder starts the exchange of a stream of kind (StreamServer,
// StreamClient, StreamBidi or "" when unknown). ex carries what is known
// at the start: Time (the call's start; zero means now), Transport
// (gRPC when empty), Request.GRPCMethod, Request.Headers, Target,
// Service, Endpoint and the like. Its bodies and messages are ignored.
func NewStreamRecorder(ex Exchange, kind string, lim StreamLimits) *StreamRecorder {
	if ex.Time.IsZero() {
		ex.Time = time.Now()
	}
	if ex.Transport == "" {
		ex.Transport = TransportGRPC
	}
	ex.Stream = &Stream{Kind: kind}
	ex.Request.Body, ex.Response.Body = nil, nil
	ex.Request.Messages, ex.Response.Messages = nil, nil
	ex.Request.Dropped, ex.Response.Dropped = 0, 0
	return &StreamRecorder{ex: ex,
		maxMsgs: limit(lim.Messages, DefaultStreamMessages), maxBytes: limit(lim.Bytes, DefaultStreamBytes)}
}

// Start is the exchange's Time: message offsets count from it.
func (s *StreamRecorder) Start() time.Time { return s.ex.Time }

// Full reports whether the next message will be dropped whatever its
// size, so that a caller can skip encoding it (and pass a nil body).
func (s *StreamRecorder) Full() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full || s.done || s.n >= s.maxMsgs
}

// Request records a message the client sent at time at; Response one the
// server sent. The message is kept when the limits allow (b may then be
// nil for a message with no body), dropped and counted otherwise. The
// recorder keeps b: do not modify it afterwards.
func (s *StreamRecorder) Request(at time.Time, b *Body) {
	s.add(&s.ex.Request.Messages, &s.ex.Request.Dropped, at, b)
}

// Response records a message the server sent; see Request.
func (s *StreamRecorder) Response(at time.Time, b *Body) {
	s.add(&s.ex.Response.Messages, &s.ex.Response.Dropped, at, b)
}

func (s *StreamRecorder) add(msgs *[]Message, dropped *int, at time.Time, b *Body) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	size := len(b.Raw())
	if s.full || s.n >= s.maxMsgs || s.bytes+size > s.maxBytes {
		s.full = true
		*dropped++
		return
	}
	s.n++
	s.bytes += size
	*msgs = append(*msgs, Message{Offset: max(at.Sub(s.ex.Time), 0), Body: b})
}

// Done ends the exchange at time end and returns it, ready to Append: err
// is the call's outcome (nil for OK; a gRPC status error gives its code,
// message and reason), header and trailer the response metadata, and
// cancelled says the client cancelled the call (see Stream.Cancelled; the
// code is then Canceled, as the client saw it, whatever err is).
// Messages reported after Done are ignored. The returned exchange shares
// the recorder's slices; call Done once.
func (s *StreamRecorder) Done(end time.Time, err error, header, trailer map[string][]string, cancelled bool) Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	ex := s.ex
	ex.Stream = &Stream{Kind: s.ex.Stream.Kind, Cancelled: cancelled}
	ex.Duration = max(end.Sub(ex.Time), 0)
	ex.Response.Headers, ex.Response.Trailers = header, trailer
	switch {
	case cancelled: // whatever the handler returned, the client saw its own Canceled
		ex.Response.GRPCCode, ex.Response.GRPCMessage = int(codes.Canceled), context.Canceled.Error()
	case err != nil:
		st := statusOf(err)
		ex.Response.GRPCCode, ex.Response.GRPCMessage, ex.Response.Reason = int(st.Code()), st.Message(), kitgrpc.ReasonOf(st)
	}
	return ex
}

// statusOf is err's gRPC status; a context error becomes its code.
func statusOf(err error) *status.Status {
	if st, ok := status.FromError(err); ok {
		return st
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, err.Error())
	}
	return status.New(codes.Unknown, err.Error())
}

// IsStream reports whether ex is a streaming call.
func (ex *Exchange) IsStream() bool { return ex.Stream != nil }
