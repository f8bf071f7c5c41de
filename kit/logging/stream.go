package logging

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/monotime"
)

// Messages and keys of stream records.
const (
	MessageStreamStart = "stream start"
	MessageStream      = "stream"
	KeyReceived        = "received" // messages the endpoint received
	KeySent            = "sent"     // messages the endpoint sent
)

// NewStream returns a stream middleware that logs every stream of the
// endpoint it wraps to logger: a record with message MessageStreamStart at
// slog.LevelDebug when the stream starts, and one with message
// MessageStream when it ends, at the success or failure level (see
// Levels), with KeyMethod, KeyReceived and KeySent (message counts), KeyErr
// on failure, and KeyTook. Messages themselves are never logged; Redact,
// Bodies and OmitBodies therefore change nothing here.
//
// When logger is not enabled at either level the middleware costs two
// Enabled checks and nothing else. A nil logger disables logging.
func NewStream(logger *slog.Logger, method string, opts ...Option) endpoint.StreamMiddleware {
	cfg := config{ok: slog.LevelInfo, fail: slog.LevelError}
	for _, o := range opts {
		o(&cfg)
	}
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		if logger == nil {
			return next
		}
		h := logger.Handler().WithAttrs([]slog.Attr{slog.String(KeyMethod, method)})
		return func(ctx context.Context, s endpoint.Stream) error {
			okOn := h.Enabled(ctx, cfg.ok)
			if !okOn && !h.Enabled(ctx, cfg.fail) {
				return next(ctx, s)
			}
			if h.Enabled(ctx, slog.LevelDebug) {
				_ = h.Handle(ctx, slog.NewRecord(time.Now(), slog.LevelDebug, MessageStreamStart, 0))
			}
			start := monotime.Now()
			cs := &countingStream{Stream: s}
			err := next(ctx, cs)
			end := time.Now()
			level := cfg.ok
			if err != nil {
				level = cfg.fail
			}
			if !h.Enabled(ctx, level) {
				return err
			}
			r := slog.NewRecord(end, level, MessageStream, 0)
			r.AddAttrs(slog.Uint64(KeyReceived, cs.received.Load()), slog.Uint64(KeySent, cs.sent.Load()))
			if err != nil {
				r.AddAttrs(slog.Any(KeyErr, err))
			}
			r.AddAttrs(slog.Duration(KeyTook, monotime.Of(end)-start))
			_ = h.Handle(ctx, r)
			return err
		}
	}
}

// countingStream counts the messages that pass; Recv and Send may run on
// two goroutines, hence the atomics.
type countingStream struct {
	endpoint.Stream
	received, sent atomic.Uint64
}

func (s *countingStream) Recv() (any, error) {
	m, err := s.Stream.Recv()
	if err == nil {
		s.received.Add(1)
	}
	return m, err
}

func (s *countingStream) Send(m any) error {
	err := s.Stream.Send(m)
	if err == nil {
		s.sent.Add(1)
	}
	return err
}
