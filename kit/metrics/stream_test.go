package metrics_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	"github.com/kitbench/kitbench/kit/metrics"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestStreamMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.NewStream(reg)
	if err != nil {
		t.Fatal(err)
	}
	s := streamtest.NewServers(nil)
	s.Count = kitgrpc.NewStreamServer(m.StreamMiddleware("Count", "grpc")(streamtest.CountEndpoint), nil, nil)
	s.Sum = kitgrpc.NewStreamServer(m.StreamMiddleware("Sum", "grpc")(streamtest.SumEndpoint), nil, nil)
	s.Echo = kitgrpc.NewStreamServer(m.StreamMiddleware("Echo", "grpc")(func(context.Context, endpoint.Stream) error {
		return status.Error(codes.Unavailable, "draining")
	}), nil, nil)
	in, err := streamtest.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	ctx := context.Background()
	if _, err := streamtest.Count(ctx, in.Conn, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := streamtest.Sum(ctx, in.Conn, []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := streamtest.Echo(ctx, in.Conn, nil); status.Code(err) != codes.Unavailable {
		t.Fatalf("Echo: %v", err)
	}
	want := `
# HELP kit_stream_msg_received_total Messages received by stream endpoints, by endpoint and transport.
# TYPE kit_stream_msg_received_total counter
kit_stream_msg_received_total{endpoint="Count",transport="grpc"} 1
kit_stream_msg_received_total{endpoint="Echo",transport="grpc"} 0
kit_stream_msg_received_total{endpoint="Sum",transport="grpc"} 2
# HELP kit_stream_msg_sent_total Messages sent by stream endpoints, by endpoint and transport.
# TYPE kit_stream_msg_sent_total counter
kit_stream_msg_sent_total{endpoint="Count",transport="grpc"} 3
kit_stream_msg_sent_total{endpoint="Echo",transport="grpc"} 0
kit_stream_msg_sent_total{endpoint="Sum",transport="grpc"} 1
# HELP kit_streams_handled_total Streams that ended, by endpoint, transport and result code (ok, an HTTP status, 4xx or 5xx).
# TYPE kit_streams_handled_total counter
kit_streams_handled_total{code="503",endpoint="Echo",transport="grpc"} 1
kit_streams_handled_total{code="ok",endpoint="Count",transport="grpc"} 1
kit_streams_handled_total{code="ok",endpoint="Echo",transport="grpc"} 0
kit_streams_handled_total{code="ok",endpoint="Sum",transport="grpc"} 1
# HELP kit_streams_started_total Streams that started, by endpoint and transport.
# TYPE kit_streams_started_total counter
kit_streams_started_total{endpoint="Count",transport="grpc"} 1
kit_streams_started_total{endpoint="Echo",transport="grpc"} 1
kit_streams_started_total{endpoint="Sum",transport="grpc"} 1
`
	names := []string{metrics.StreamMsgReceived, metrics.StreamMsgSent, metrics.StreamsHandled, metrics.StreamsStarted}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, metrics.StreamDuration); n != 3 {
		t.Fatalf("%d duration series, want 3", n)
	}
	if _, err := metrics.NewStream(reg); err != nil {
		t.Fatalf("a second NewStream on the same registry: %v", err)
	}
	if _, err := metrics.NewStream(nil); err == nil {
		t.Fatal("NewStream(nil) did not fail")
	}
}
