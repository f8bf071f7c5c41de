package grpc_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

func TestCodeRoundTrip(t *testing.T) {
	for _, c := range []codes.Code{codes.OK, codes.InvalidArgument, codes.Unauthenticated, codes.PermissionDenied,
		codes.NotFound, codes.AlreadyExists, codes.FailedPrecondition, codes.ResourceExhausted, codes.Canceled,
		codes.Unimplemented, codes.Unavailable, codes.DeadlineExceeded, codes.Internal} {
		if got := kitgrpc.Code(kitgrpc.HTTPStatus(c)); got != c {
			t.Errorf("Code(HTTPStatus(%v)) = %v", c, got)
		}
	}
	if kitgrpc.Code(418) != codes.Internal {
		t.Error("unknown status should map to Internal")
	}
}

// TestStatusOfAgrees: kit/transport reads a raw gRPC status by its code's
// number, without importing grpc; its translation must be HTTPStatus on
// every code, those yet to come (Internal's 500) included.
func TestStatusOfAgrees(t *testing.T) {
	for c := codes.Code(1); c <= codes.Unauthenticated+2; c++ {
		if got, want := transport.StatusOf(status.Error(c, "m")), kitgrpc.HTTPStatus(c); got != want {
			t.Errorf("transport.StatusOf(status %v) = %d, HTTPStatus = %d", c, got, want)
		}
	}
}
