package circuitbreaker_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

func TestStreamBreakerRefusesAtStart(t *testing.T) {
	b, err := circuitbreaker.New("streams", circuitbreaker.ConsecutiveFailures(2), circuitbreaker.OpenTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	fail := func(_ context.Context, s endpoint.Stream) error {
		runs++
		// Several messages, one failure: the stream counts once.
		for range 5 {
			if err := s.Send(nil); err == nil {
				t.Error("sending nil succeeded")
			}
		}
		return status.Error(codes.Internal, "broken")
	}
	s := streamtest.NewServers(b.StreamMiddleware)
	s.Count = kitgrpc.NewStreamServer(b.StreamMiddleware(fail), nil, nil)
	in, err := streamtest.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	ctx := context.Background()
	if _, err := streamtest.Count(ctx, in.Conn, 1); status.Code(err) != codes.Internal {
		t.Fatalf("first stream: %v", err)
	}
	if state := b.BreakerInfo().State; state != "closed" {
		t.Fatalf("one failed stream of 5 messages opened the breaker (%s); it counts once", state)
	}
	if _, err := streamtest.Sum(ctx, in.Conn, []int64{1}); err != nil {
		t.Fatalf("a good stream between failures: %v", err)
	}
	for range 2 {
		if _, err := streamtest.Count(ctx, in.Conn, 1); status.Code(err) != codes.Internal {
			t.Fatalf("failing stream: %v", err)
		}
	}
	if _, err := streamtest.Echo(ctx, in.Conn, []string{"a"}); status.Code(err) != codes.Unavailable {
		t.Fatalf("stream through an open breaker: %v, want Unavailable", err)
	}
	if runs != 3 {
		t.Fatalf("the failing endpoint ran %d times, want 3", runs)
	}
}
