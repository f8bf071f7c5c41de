package grpc_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// proxy serves the three methods with StreamClients of backend: a gateway
// in miniature, where each server stream is the caller's side of a client
// stream.
func proxy(backend grpc.ClientConnInterface, opts ...kitgrpc.ClientOption) *streamtest.Servers {
	client := func(method string) *kitgrpc.StreamServer {
		c := kitgrpc.NewStreamClient(backend, &streamtest.Desc, method, nil, nil, streamtest.Reply(method), opts...)
		return kitgrpc.NewStreamServer(c.Endpoint(), nil, nil)
	}
	return &streamtest.Servers{Count: client("Count"), Sum: client("Sum"), Echo: client("Echo")}
}

func TestStreamClientThroughProxy(t *testing.T) {
	testutil.NoLeaks(t)
	backend := startStreams(t, streamtest.NewServers(nil))
	front := startStreams(t, proxy(backend))
	ctx := context.Background()
	got, err := streamtest.Count(ctx, front, 3)
	if err != nil || !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Fatalf("Count: %v, %v", got, err)
	}
	sum, err := streamtest.Sum(ctx, front, []int64{4, 5})
	if err != nil || sum != 9 {
		t.Fatalf("Sum: %v, %v", sum, err)
	}
	echo, err := streamtest.Echo(ctx, front, []string{"x", "y", "z"})
	if err != nil || !slices.Equal(echo, []string{"X", "Y", "Z"}) {
		t.Fatalf("Echo: %v, %v", echo, err)
	}
}

func TestStreamClientCarriesStatusAndCancel(t *testing.T) {
	testutil.NoLeaks(t)
	ended := make(chan error, 1)
	started := make(chan struct{})
	backend := startStreams(t, withCount(func(ctx context.Context, s endpoint.Stream) error {
		m, err := s.Recv()
		if err != nil {
			return err
		}
		if streamtest.Value(m) == 7 {
			return status.Error(codes.FailedPrecondition, "shelf locked")
		}
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	}))
	front := startStreams(t, proxy(backend))
	_, err := streamtest.Count(context.Background(), front, 7)
	if st := status.Convert(err); st.Code() != codes.FailedPrecondition || st.Message() != "shelf locked" {
		t.Fatalf("through the proxy: %v, want FailedPrecondition: shelf locked", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := streamtest.Count(ctx, front, 1); errc <- err }()
	<-started
	cancel()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("backend handler ended with %v, want Canceled", err)
	}
	if err := <-errc; status.Code(err) != codes.Canceled {
		t.Fatalf("client: %v", err)
	}
}

func TestStreamClientConfig(t *testing.T) {
	backend := startStreams(t, streamtest.NewServers(nil))
	c := kitgrpc.NewStreamClient(backend, &streamtest.Desc, "Nope", nil, nil, streamtest.Reply("Count"))
	if err := c.Endpoint()(context.Background(), nil); !errors.Is(err, kitgrpc.ErrClientConfig) {
		t.Fatalf("unknown method: %v, want ErrClientConfig", err)
	}
}
