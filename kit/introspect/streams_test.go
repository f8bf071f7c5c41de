package introspect_test

import (
	"context"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	"github.com/kitbench/kitbench/kit/introspect"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

func TestOpenStreamsInInfo(t *testing.T) {
	reg := introspect.NewRegistry(introspect.Info{Service: "books"})
	if got := reg.Info().Streams; got != nil {
		t.Fatalf("streams before any stream endpoint: %v, want none", got)
	}
	opened, release := make(chan struct{}), make(chan struct{})
	hold := func(ctx context.Context, s endpoint.Stream) error {
		opened <- struct{}{}
		<-release
		return nil
	}
	s := streamtest.NewServers(nil)
	s.Count = kitgrpc.NewStreamServer(reg.StreamMiddleware("Count", "grpc")(hold), nil, nil)
	in, err := streamtest.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	done := make(chan error, 2)
	for range 2 {
		go func() { _, err := streamtest.Count(context.Background(), in.Conn, 1); done <- err }()
		<-opened
	}
	want := introspect.OpenStreams{Endpoint: "Count", Transport: "grpc", Open: 2}
	if got := reg.Info().Streams; len(got) != 1 || got[0] != want {
		t.Fatalf("streams %v, want [%v]", got, want)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := reg.Info().Streams; got[0].Open != 0 {
		t.Fatalf("after the streams ended: %v open", got[0].Open)
	}
}
