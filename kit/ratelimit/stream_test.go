package ratelimit_test

import (
	"context"
	"testing"

	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kitbench/kitbench/kit/internal/streamtest"
	"github.com/kitbench/kitbench/kit/ratelimit"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

func TestStreamLimiterRefusesAtStart(t *testing.T) {
	l, err := ratelimit.NewErroring("streams", rate.Every(1<<40), 1) // one token, never refilled in the test
	if err != nil {
		t.Fatal(err)
	}
	in, err := streamtest.Start(streamtest.NewServers(l.StreamMiddleware))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	ctx := context.Background()
	if _, err := streamtest.Sum(ctx, in.Conn, []int64{1, 2, 3, 4}); err != nil {
		t.Fatalf("first stream, 4 messages: %v (messages take no token)", err)
	}
	_, err = streamtest.Count(ctx, in.Conn, 1)
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("second stream: %v, want ResourceExhausted", err)
	}
	if info := l.LimiterInfo(); info.Allowed != 1 || info.Rejected != 1 {
		t.Fatalf("allowed %d rejected %d, want 1 and 1", info.Allowed, info.Rejected)
	}
}

func TestStreamLimiterPerMessage(t *testing.T) {
	l, err := ratelimit.NewErroring("messages", rate.Every(1<<40), 2)
	if err != nil {
		t.Fatal(err)
	}
	s := streamtest.NewServers(nil)
	s.Sum = kitgrpc.NewStreamServer(l.PerMessage(streamtest.SumEndpoint), nil, nil)
	in, err := streamtest.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if _, err := streamtest.Sum(context.Background(), in.Conn, []int64{1, 2, 3}); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("third message over a burst of 2: %v, want ResourceExhausted", err)
	}
}
