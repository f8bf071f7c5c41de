package jwt

import (
	"context"
	"testing"

	gojwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

func TestStreamTokenFromMetadata(t *testing.T) {
	k := keysOnce()
	mw, err := NewStreamMiddleware(testConfig(k))
	if err != nil {
		t.Fatal(err)
	}
	subjects := make(chan string, 3)
	seeClaims := func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return func(ctx context.Context, s endpoint.Stream) error {
			c, _ := ClaimsFromContext(ctx)
			sub, _ := c.GetSubject()
			subjects <- sub
			return next(ctx, s)
		}
	}
	in, err := streamtest.Start(streamtest.NewServers(endpoint.ChainStream(mw, seeClaims),
		kitgrpc.ServerBefore(GRPCToContext)))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	token := sign(t, gojwt.SigningMethodHS256, "hs", goodClaims(), k.hmac)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	if err := streamtest.Exercise(ctx, in.Conn); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if sub := <-subjects; sub != "alice" {
			t.Fatalf("the endpoint saw subject %q, want alice", sub)
		}
	}
	for name, ctx := range map[string]context.Context{
		"missing": context.Background(),
		"bad":     metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer x.y.z"),
	} {
		if _, err := streamtest.Count(ctx, in.Conn, 1); status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s token: %v, want Unauthenticated", name, err)
		}
		if _, err := streamtest.Echo(ctx, in.Conn, []string{"a"}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s token, bidi: %v, want Unauthenticated", name, err)
		}
	}
	if len(subjects) != 0 {
		t.Fatal("an endpoint ran without a valid token")
	}
}
