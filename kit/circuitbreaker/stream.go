package circuitbreaker

import (
	"context"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// StreamMiddleware wraps a stream endpoint in the breaker: the breaker
// admits or refuses the stream when it starts (a refused stream fails at
// once with the breaker's open error, which a transport sends as
// Unavailable), and the stream's outcome counts as one call, classified
// like a unary call's error by transport.Classify: a stream the caller
// cancelled counts as nothing, one that ended with a server error as one
// failure, however many messages it carried. Its signature makes the
// method value b.StreamMiddleware an endpoint.StreamMiddleware.
func (b *Breaker) StreamMiddleware(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
	e := b.Middleware(func(ctx context.Context, s any) (any, error) {
		st, _ := s.(endpoint.Stream) // always one: the only caller is below
		return nil, next(ctx, st)
	})
	return func(ctx context.Context, s endpoint.Stream) error {
		_, err := e(ctx, s)
		return err
	}
}
