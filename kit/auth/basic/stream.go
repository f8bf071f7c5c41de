package basic

import (
	"context"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// StreamMiddleware checks the credentials once, when a stream starts, as
// Middleware does for a call: GRPCToContext, as a ServerBefore hook of the
// stream server, puts the stream's authorization metadata in its context.
// A stream without valid credentials fails at once with Unauthenticated
// and its endpoint never runs.
func StreamMiddleware(user, password, realm string) endpoint.StreamMiddleware {
	check := Middleware(user, password, realm)
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		e := check(func(ctx context.Context, s any) (any, error) {
			st, _ := s.(endpoint.Stream) // always one: the only caller is below
			return nil, next(ctx, st)
		})
		return func(ctx context.Context, s endpoint.Stream) error {
			_, err := e(ctx, s)
			return err
		}
	}
}
