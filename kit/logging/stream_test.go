package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	"github.com/kitbench/kitbench/kit/logging"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestStreamLogsStartEndAndCounts(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	in, err := streamtest.Start(streamtest.NewServers(logging.NewStream(logger, "streams")))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if err := streamtest.Exercise(context.Background(), in.Conn); err != nil {
		t.Fatal(err)
	}
	type rec struct {
		Msg      string
		Level    string
		Method   string
		Received *uint64
		Sent     *uint64
		Took     *int64
	}
	var starts int
	var ends []rec
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var r rec
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		switch r.Msg {
		case logging.MessageStreamStart:
			starts++
		case logging.MessageStream:
			if r.Received == nil || r.Sent == nil || r.Took == nil || r.Method != "streams" || r.Level != "INFO" {
				t.Fatalf("end record %s lacks a field", line)
			}
			ends = append(ends, r)
		}
	}
	if starts != 3 || len(ends) != 3 {
		t.Fatalf("%d start and %d end records, want 3 and 3:\n%s", starts, len(ends), buf.String())
	}
	want := [][2]uint64{{1, 3}, {2, 1}, {2, 2}} // Count, Sum, Echo: received, sent
	for i, r := range ends {
		if *r.Received != want[i][0] || *r.Sent != want[i][1] {
			t.Errorf("stream %d: received %d sent %d, want %v", i, *r.Received, *r.Sent, want[i])
		}
	}
}

func TestStreamLogsFailureAtErrorLevel(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	s := streamtest.NewServers(nil)
	fail := func(context.Context, endpoint.Stream) error { return status.Error(codes.NotFound, "gone") }
	s.Count = kitgrpc.NewStreamServer(logging.NewStream(logger, "Count")(fail), nil, nil)
	in, err := streamtest.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Stop()
	if _, err := streamtest.Count(context.Background(), in.Conn, 1); status.Code(err) != codes.NotFound {
		t.Fatalf("err = %v", err)
	}
	var r struct{ Level, Err string }
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &r); err != nil || r.Level != "ERROR" || r.Err == "" {
		t.Fatalf("record %s (%v), want one ERROR record with err", buf.String(), err)
	}
}
