package ratelimit

import (
	"context"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// StreamMiddleware takes one token when a stream starts, as Middleware does
// for a call: an erroring limiter refuses a stream over the rate at once
// (ResourceExhausted over gRPC, with the retry delay), a delaying one makes
// it wait. Messages take no token; see PerMessage. Its signature makes the
// method value l.StreamMiddleware an endpoint.StreamMiddleware.
func (l *Limiter) StreamMiddleware(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
	e := l.Middleware(func(ctx context.Context, s any) (any, error) {
		st, _ := s.(endpoint.Stream) // always one: the only caller is below
		return nil, next(ctx, st)
	})
	return func(ctx context.Context, s endpoint.Stream) error {
		_, err := e(ctx, s)
		return err
	}
}

// PerMessage takes one token for every message the stream endpoint
// receives: an erroring limiter makes a Recv over the rate return the
// limiter's error (the endpoint returns it and the stream ends with
// ResourceExhausted), a delaying one makes Recv wait. Combine it with
// StreamMiddleware to limit both streams and their messages.
func (l *Limiter) PerMessage(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
	admit := l.Middleware(func(_ context.Context, m any) (any, error) { return m, nil })
	return func(ctx context.Context, s endpoint.Stream) error {
		return next(ctx, &limitedStream{Stream: s, ctx: ctx, admit: admit})
	}
}

// limitedStream takes a token for each received message.
type limitedStream struct {
	endpoint.Stream
	ctx   context.Context
	admit endpoint.Endpoint
}

func (s *limitedStream) Recv() (any, error) {
	m, err := s.Stream.Recv()
	if err != nil {
		return nil, err
	}
	return s.admit(s.ctx, m)
}
