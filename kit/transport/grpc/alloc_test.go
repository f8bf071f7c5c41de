//go:build !race

package grpc_test

import (
	"context"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc/metadata"
)

// The allocation budget is part of the package's contract: with no hooks,
// neither the Server nor the Client allocates on its own.

func TestServerAllocatesNothingWithoutHooks(t *testing.T) {
	s := kitgrpc.NewServer(endpoint.Nop, nil, nil, kitgrpc.ServerFinalizer(func(context.Context, error) {}))
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-user", "alice", "x-trace", "t1"))
	req := &bookpb.GetBookRequest{}
	if n := testing.AllocsPerRun(100, func() { _, _ = s.ServeGRPC(ctx, req) }); n != 0 {
		t.Fatalf("ServeGRPC allocated %v times per call, want 0 (incoming metadata must not be copied)", n)
	}
}

func TestClientAllocatesOnlyTheReply(t *testing.T) {
	c := kitgrpc.NewClient(fakeConn{}, bookService, "GetBook", nil, nil, (*bookpb.Book)(nil)).Endpoint()
	ctx := context.Background()
	req := &bookpb.GetBookRequest{}
	if n := testing.AllocsPerRun(100, func() { _, _ = c(ctx, req) }); n != 1 {
		t.Fatalf("client endpoint allocated %v times per call, want 1 (the reply)", n)
	}
}
