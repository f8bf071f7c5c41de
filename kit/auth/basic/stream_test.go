package basic

import (
	"context"
	"encoding/base64"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kitbench/kitbench/kit/internal/streamtest"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

func TestStreamCredentialsFromMetadata(t *testing.T) {
	in, err := streamtest.Start(streamtest.NewServers(StreamMiddleware("ann", "s3cret", ""),
		kitgrpc.ServerBefore(GRPCToContext)))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	auth := func(user, pass string) context.Context {
		return metadata.AppendToOutgoingContext(context.Background(), "authorization",
			"Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	}
	if err := streamtest.Exercise(auth("ann", "s3cret"), in.Conn); err != nil {
		t.Fatal(err)
	}
	for _, ctx := range []context.Context{context.Background(), auth("ann", "wrong")} {
		if _, err := streamtest.Sum(ctx, in.Conn, []int64{1}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("Sum: %v, want Unauthenticated", err)
		}
	}
}
