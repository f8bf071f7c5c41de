//go:build !race

package capture_test

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// The allocation budget is part of the ring's contract (the race
// detector's instrumentation allocates on its own, hence the build tag):
// the ring's interceptor allocates nothing, and keeping a unary call adds
// at most one allocation to it.

// TestAllocRingUnary serves GetBook over loopback gRPC from two Book
// services (bookstore.Start), one with its exchange ring and one without
// (Config.NoExchangeRing), with the metadata a traced, authenticated
// client sends, and counts the allocations of a whole call (client,
// transport and server) on each: the ring adds at most one. That one is
// grpc-go's, not the ring's: chaining one more interceptor costs a
// closure a call. The ring's slots are all used once before counting (a
// slot's buffer is made on its first use), and each count is the least
// of three rounds, so that a stray allocation of the transport's does not
// decide.
func TestAllocRingUnary(t *testing.T) {
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"authorization", "Bearer secret-token")
	allocs := map[bool]float64{}
	var ring *capture.Ring
	for _, on := range []bool{false, true} {
		inst, err := bookstore.Start(bookstore.Config{InstanceID: "bookstore-alloc", RateLimit: 1e9, Burst: 1 << 20, NoExchangeRing: !on})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = inst.Shutdown(ctx)
		})
		if on {
			ring = inst.Exchanges
		}
		cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cc.Close() })
		books := bookpb.NewBookServiceClient(cc)
		book, err := books.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Alloc", Author: "Mark", Year: 2026}})
		if err != nil {
			t.Fatal(err)
		}
		req := &bookpb.GetBookRequest{Id: book.GetId()}
		call := func() {
			if _, err := books.GetBook(ctx, req); err != nil {
				t.Fatalf("ring %v: %v", on, err)
			}
		}
		for range capture.DefaultRingSize {
			call()
		}
		allocs[on] = testing.AllocsPerRun(300, call)
		for range 2 {
			allocs[on] = min(allocs[on], testing.AllocsPerRun(300, call))
		}
	}
	t.Logf("a GetBook call allocates %v times with the ring, %v without", allocs[true], allocs[false])
	if extra := allocs[true] - allocs[false]; extra > 1 {
		t.Errorf("a GetBook call allocates %v times with the ring, %v without: %v extra, want at most 1", allocs[true], allocs[false], extra)
	}
	if got, want := ring.Stats().Recorded, uint64(1+capture.DefaultRingSize+3*301); got != want {
		t.Errorf("the ring recorded %d calls, want every one of the %d", got, want)
	}
}

// TestAllocRingUnaryInterceptor: the interceptor itself, given what grpc-go
// hands it, allocates nothing: it reads the incoming metadata where grpc-go
// keeps it and copies into a slot made when the Ring was.
func TestAllocRingUnaryInterceptor(t *testing.T) {
	ring, err := capture.NewRing(capture.Options{Service: "bookstore"}, capture.RingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(
		":authority", "127.0.0.1:9090", "content-type", "application/grpc", "user-agent", "grpc-go/1.85.0",
		"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
	req := &bookpb.GetBookRequest{Id: "0000000000000001"}
	resp := &bookpb.Book{Id: "0000000000000001", Title: "Bench", Author: "Mark", Year: 2026}
	handler := func(context.Context, any) (any, error) { return resp, nil }
	info := &grpc.UnaryServerInfo{FullMethod: "/bookstore.v1.BookService/GetBook"}
	_, _ = ring.Unary(ctx, req, info, handler) // every slot's buffer is made on its first use
	for range capture.DefaultRingSize {
		_, _ = ring.Unary(ctx, req, info, handler)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ring.Unary(ctx, req, info, handler) }); n != 0 {
		t.Fatalf("Ring.Unary allocated %v times per call, want 0 (is the incoming metadata copied? see ring_md.go)", n)
	}
}
