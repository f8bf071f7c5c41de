package tracing

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// Names of the stream message events, after OpenTelemetry's RPC
// conventions: an event EventMessage per message, with AttrMessageType
// (MessageSent or MessageReceived) and AttrMessageID (1, 2, … in each
// direction).
const (
	EventMessage    = "message"
	AttrMessageType = "message.type"
	AttrMessageID   = "message.id"
	MessageSent     = "SENT"
	MessageReceived = "RECEIVED"
)

// StreamMiddleware is Middleware for stream endpoints: each stream runs in
// one span named name, a child of the span context in the stream's
// context, which the endpoint receives (so calls it makes are children of
// the stream's span). Every message received or sent while the span is
// recording adds an EventMessage event. The span ends when the endpoint
// returns, with an error status described by transport.Summary when it
// returned an error, never the error's text. Sampling, a nil or no-op tp
// and panics are handled as in Middleware.
func StreamMiddleware(tp trace.TracerProvider, name string, opts ...Option) endpoint.StreamMiddleware {
	o := options{kind: trace.SpanKindServer}
	for _, opt := range opts {
		opt(&o)
	}
	if o.kind == trace.SpanKindUnspecified {
		o.kind = trace.SpanKindServer
	}
	pass := func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint { return next }
	if tp == nil {
		return pass
	}
	if _, ok := tp.(noop.TracerProvider); ok {
		return pass
	}
	var rootOff, knowsSampler bool
	if p, ok := tp.(*Provider); ok {
		knowsSampler, rootOff = true, p.rootOff
	}
	startOpts := []trace.SpanStartOption{trace.WithSpanKind(o.kind)}
	if len(o.attrs) > 0 {
		startOpts = append(startOpts, trace.WithAttributes(o.attrs...))
	}
	tracer := tp.Tracer(ScopeName)
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return func(ctx context.Context, s endpoint.Stream) error {
			if knowsSampler {
				psc := trace.SpanContextFromContext(ctx)
				if psc.IsValid() && !psc.IsSampled() || !psc.IsValid() && rootOff {
					return next(ctx, s)
				}
			}
			ctx, span := tracer.Start(ctx, name, startOpts...)
			defer func() {
				if v := recover(); v != nil {
					MarkSpanPanicked(span)
					span.End()
					panic(v)
				}
				span.End()
			}()
			if span.IsRecording() {
				s = &tracedStream{Stream: s, span: span}
			}
			err := next(ctx, s)
			if err != nil && span.IsRecording() {
				span.SetStatus(codes.Error, transport.Summary(err))
			}
			return err
		}
	}
}

// tracedStream records an event per message on its span.
type tracedStream struct {
	endpoint.Stream
	span           trace.Span
	received, sent atomic.Int64
}

func (s *tracedStream) Recv() (any, error) {
	m, err := s.Stream.Recv()
	if err == nil {
		s.event(MessageReceived, s.received.Add(1))
	}
	return m, err
}

func (s *tracedStream) Send(m any) error {
	err := s.Stream.Send(m)
	if err == nil {
		s.event(MessageSent, s.sent.Add(1))
	}
	return err
}

func (s *tracedStream) event(kind string, id int64) {
	s.span.AddEvent(EventMessage, trace.WithAttributes(
		attribute.String(AttrMessageType, kind), attribute.Int64(AttrMessageID, id)))
}
