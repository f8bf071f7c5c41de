package jwt

import (
	"context"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// NewStreamMiddleware is NewMiddleware for stream endpoints: the token is
// checked once, when a stream starts (GRPCToContext, as a ServerBefore hook
// of the stream server, reads it from the stream's metadata), and the
// endpoint runs with the claims in its context (ClaimsFromContext). A
// stream without a valid token fails at once with Unauthenticated. It
// refuses the configurations NewMiddleware refuses.
func NewStreamMiddleware(cfg Config) (endpoint.StreamMiddleware, error) {
	check, err := NewMiddleware(cfg)
	if err != nil {
		return nil, err
	}
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		e := check(func(ctx context.Context, s any) (any, error) {
			st, _ := s.(endpoint.Stream) // always one: the only caller is below
			return nil, next(ctx, st)
		})
		return func(ctx context.Context, s endpoint.Stream) error {
			_, err := e(ctx, s)
			return err
		}
	}, nil
}
