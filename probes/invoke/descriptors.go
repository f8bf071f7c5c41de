package invoke

import (
	"context"
	"errors"

	"github.com/fullstorydev/grpcurl"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Descriptors runs f with the client's descriptor source — the server's
// reflection, bounded by ctx, unless files were given — for what grpcurl's
// list and describe print. A server without reflection gives an error
// wrapping ErrNoReflection, one that stopped answering ErrUnreachable;
// f's other errors are returned as they are.
func (g *GRPCClient) Descriptors(ctx context.Context, f func(grpcurl.DescriptorSource) error) error {
	return g.descriptors(ctx, func(src grpcurl.DescriptorSource) error {
		err := f(src)
		if errors.Is(err, grpcurl.ErrReflectionNotSupported) || status.Code(err) == codes.Unavailable {
			return g.sourceError(err)
		}
		return err
	})
}
