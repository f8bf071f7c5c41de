package capture_test

import (
	"context"
	"fmt"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// benchStream is the server side of a stream with no network under it,
// so that a benchmark counts only the interceptor's work: it hands out
// one request and takes every message sent.
type benchStream struct {
	grpc.ServerStream // nil: the methods the benchmark uses are below
	ctx               context.Context
}

func (s *benchStream) Context() context.Context     { return s.ctx }
func (s *benchStream) SendMsg(any) error            { return nil }
func (s *benchStream) RecvMsg(any) error            { return nil }
func (s *benchStream) SetHeader(metadata.MD) error  { return nil }
func (s *benchStream) SendHeader(metadata.MD) error { return nil }
func (s *benchStream) SetTrailer(metadata.MD)       {}

// BenchmarkRingStream runs a WatchBooks-shaped server stream of msgs
// BookEvents in process, bare and through the Ring's Stream interceptor:
// an op is one stream, and ns/msg and allocs/msg are its cost per message
// sent (the stream's own costs, the record and its commit, spread over
// its messages). With msgs=1 the figures are a stream's fixed cost.
func BenchmarkRingStream(b *testing.B) {
	ring, err := capture.NewRing(benchOptions, capture.RingOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, ev, info := streamBench()
	bare := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		return h(srv, ss)
	}
	for _, msgs := range []int{1, 32} {
		handler := sender(ev, msgs)
		for _, impl := range []string{"bare", "ring"} {
			ic := grpc.StreamServerInterceptor(bare)
			if impl == "ring" {
				ic = ring.Stream
			}
			b.Run(fmt.Sprintf("impl=%s/msgs=%d", impl, msgs), func(b *testing.B) {
				ss := &benchStream{ctx: ctx}
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					_ = ic(nil, ss, info, handler)
					n++
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*msgs), "ns/msg")
			})
		}
	}
}

// streamBench returns the incoming context, the message and the method
// of a WatchBooks-shaped stream, as a grpc-go client and the Book
// service make them.
func streamBench() (context.Context, *bookpb.BookEvent, *grpc.StreamServerInfo) {
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(
		":authority", "127.0.0.1:9090", "content-type", "application/grpc", "user-agent", "grpc-go/1.85.0",
		"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
	ev := &bookpb.BookEvent{Type: bookpb.BookEvent_TYPE_CREATED, Book: &bookpb.Book{Id: "0000000000000001",
		Title: "Bench", Author: "Mark", Year: 2026, CreateTime: timestamppb.Now()}}
	return ctx, ev, &grpc.StreamServerInfo{FullMethod: "/bookstore.v1.BookService/WatchBooks", IsServerStream: true}
}

// sender is a handler that receives the request and sends ev msgs times.
func sender(ev *bookpb.BookEvent, msgs int) grpc.StreamHandler {
	return func(_ any, ss grpc.ServerStream) error {
		if err := ss.RecvMsg(new(bookpb.WatchBooksRequest)); err != nil {
			return err
		}
		for range msgs {
			if err := ss.SendMsg(ev); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestRingStreamAllocatesNothingPerMessage: a stream of 32 messages
// through the Ring allocates no more than a stream of one — the messages
// are copied into the record's buffer, which is pooled. (Its messages
// all fit the default slot, so each is copied, none dropped.)
func TestRingStreamAllocatesNothingPerMessage(t *testing.T) {
	ring, err := capture.NewRing(benchOptions, capture.RingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, ev, info := streamBench()
	ss := &benchStream{ctx: ctx}
	allocs := func(msgs int) float64 {
		h := sender(ev, msgs)
		return testing.AllocsPerRun(200, func() { _ = ring.Stream(nil, ss, info, h) })
	}
	// One allocation per message would add 31; the margin is for the
	// race detector, under which sync.Pool drops some records on purpose.
	one, many := allocs(1), allocs(32)
	if many-one >= 16 {
		t.Errorf("a stream of 32 messages allocates %v times, one of 1 message %v: want nothing per message", many, one)
	}
	if st := ring.Stats(); st.Truncated != 0 {
		t.Errorf("stats %+v: the messages did not all fit, so the test did not measure their copy", st)
	}
}
