package grpc_test

import (
	"context"
	"net"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// The benchmarks compare a generated GetBook handler written by hand
// (impl=raw) with the same handler routed through a kit Server (impl=kit),
// and a generated client call with a kit Client endpoint. Both sides do the
// same work: look the book up, convert between domain and protobuf types.

var benchBook = &book{ID: "b1", Title: "Dune", Author: "Frank Herbert", Year: 1965,
	Created: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}

func benchGet(_ context.Context, r getRequest) (*book, error) {
	if r.ID != benchBook.ID {
		return nil, transport.NewError(404, "no book "+r.ID)
	}
	return benchBook, nil
}

type rawBench struct {
	bookpb.UnimplementedBookServiceServer
}

func (rawBench) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	b, err := benchGet(ctx, getRequest{ID: r.GetId()})
	if err != nil {
		return nil, err
	}
	return toPB(b), nil
}

type kitBench struct {
	bookpb.UnimplementedBookServiceServer
	get *kitgrpc.Server
}

func (k kitBench) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	return kitgrpc.Serve[*bookpb.Book](ctx, k.get, r)
}

var benchImpls = []struct {
	name     string
	register func(*grpc.Server)
}{
	{"kit", func(g *grpc.Server) {
		bookpb.RegisterBookServiceServer(g, kitBench{get: kitgrpc.NewServer(endpoint.Typed(benchGet), decodeGet, encodeBook)})
	}},
	{"raw", func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, rawBench{}) }},
}

func init() {
	for _, impl := range benchImpls {
		benchutil.Register("grpc-"+impl.name, func(ln net.Listener) error {
			g := grpc.NewServer()
			impl.register(g)
			return g.Serve(ln)
		})
	}
}

func TestMain(m *testing.M) { benchutil.Main(m) }

func getBookN(b *testing.B, cli bookpb.BookServiceClient, n int) {
	ctx := context.Background()
	for range n {
		if _, err := cli.GetBook(ctx, &bookpb.GetBookRequest{Id: "b1"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServer measures a GetBook call over loopback to an in-process
// grpc.Server; allocs/op counts both ends, so the difference between the
// sub-benchmarks is what the server adds.
func BenchmarkServer(b *testing.B) {
	for _, impl := range benchImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			cli := bookpb.NewBookServiceClient(serve(b, impl.register))
			getBookN(b, cli, 10) // connect and warm up
			b.ReportAllocs()
			b.ResetTimer()
			getBookN(b, cli, b.N)
		})
	}
}

// BenchmarkServerCPU runs each server in a child process and reports its
// CPU time per request (server-ns/op), which the load generator and other
// processes on the machine do not inflate.
func BenchmarkServerCPU(b *testing.B) {
	for _, impl := range benchImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			child := benchutil.StartChild(b, "grpc-"+impl.name)
			cc, err := grpc.NewClient(child.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				b.Fatal(err)
			}
			defer cc.Close()
			cli := bookpb.NewBookServiceClient(cc)
			getBookN(b, cli, 10)
			b.ReportAllocs()
			benchutil.ReportServerCPU(b, child, func() { getBookN(b, cli, b.N) })
		})
	}
}

// BenchmarkClient compares a kit Client endpoint with the generated client's
// method, both calling the raw server over loopback.
func BenchmarkClient(b *testing.B) {
	cc := serve(b, benchImpls[1].register)
	ctx := context.Background()
	b.Run("impl=kit", func(b *testing.B) {
		get := kitgrpc.NewClient(cc, bookService, "GetBook", encodeGet,
			func(_ context.Context, r any) (any, error) { return r, nil }, (*bookpb.Book)(nil)).Endpoint()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := get(ctx, getRequest{ID: "b1"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		cli := bookpb.NewBookServiceClient(cc)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cli.GetBook(ctx, &bookpb.GetBookRequest{Id: "b1"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
