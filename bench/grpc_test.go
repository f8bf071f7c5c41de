package bench

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	gokitgrpc "github.com/go-kit/kit/transport/grpc"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The gRPC comparison: the bookstore's GetBook served and called by hand
// (impl=raw), through kit's transport/grpc (impl=kit) and through go-kit
// v0.13.0's transport/grpc (impl=gokit). All three do the same work: look
// the book up in a domain function and convert between domain and protobuf
// types; kit and go-kit share the endpoint and the codec funcs.

type grpcBook struct {
	ID, Title, Author string
	Year              int32
	Created           time.Time
}

type grpcGetRequest struct{ ID string }

var theBook = &grpcBook{ID: "b1", Title: "Dune", Author: "Frank Herbert", Year: 1965,
	Created: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}

func grpcGet(_ context.Context, r grpcGetRequest) (*grpcBook, error) {
	if r.ID != theBook.ID {
		return nil, transport.NewError(404, "no book "+r.ID)
	}
	return theBook, nil
}

func grpcBookToPB(b *grpcBook) *bookpb.Book {
	return &bookpb.Book{Id: b.ID, Title: b.Title, Author: b.Author, Year: b.Year, CreateTime: timestamppb.New(b.Created)}
}

var errGRPCMessage = errors.New("bench: unexpected message type")

func grpcDecodeGet(_ context.Context, r any) (any, error) {
	m, ok := r.(*bookpb.GetBookRequest)
	if !ok {
		return nil, errGRPCMessage
	}
	return grpcGetRequest{ID: m.GetId()}, nil
}

func grpcEncodeBook(_ context.Context, r any) (any, error) {
	b, ok := r.(*grpcBook)
	if !ok {
		return nil, errGRPCMessage
	}
	return grpcBookToPB(b), nil
}

func grpcEncodeGet(_ context.Context, r any) (any, error) {
	return &bookpb.GetBookRequest{Id: r.(grpcGetRequest).ID}, nil
}

func grpcDecodeReply(_ context.Context, r any) (any, error) { return r, nil }

type rawBookServer struct {
	bookpb.UnimplementedBookServiceServer
}

func (rawBookServer) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	b, err := grpcGet(ctx, grpcGetRequest{ID: r.GetId()})
	if err != nil {
		return nil, err
	}
	return grpcBookToPB(b), nil
}

type kitBookServer struct {
	bookpb.UnimplementedBookServiceServer
	get *kitgrpc.Server
}

func (s kitBookServer) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	return kitgrpc.Serve[*bookpb.Book](ctx, s.get, r)
}

type gokitBookServer struct {
	bookpb.UnimplementedBookServiceServer
	get gokitgrpc.Handler
}

func (s gokitBookServer) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	_, resp, err := s.get.ServeGRPC(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.(*bookpb.Book), nil
}

var grpcImpls = []struct {
	name     string
	register func(*grpc.Server)
}{
	{"kit", func(g *grpc.Server) {
		bookpb.RegisterBookServiceServer(g, kitBookServer{
			get: kitgrpc.NewServer(endpoint.Typed(grpcGet), grpcDecodeGet, grpcEncodeBook)})
	}},
	{"gokit", func(g *grpc.Server) {
		bookpb.RegisterBookServiceServer(g, gokitBookServer{
			get: gokitgrpc.NewServer(gokitEndpoint(endpoint.Typed(grpcGet)), grpcDecodeGet, grpcEncodeBook)})
	}},
	{"raw", func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, rawBookServer{}) }},
}

// gokitEndpoint converts a kit endpoint to go-kit's identical func type.
func gokitEndpoint(e endpoint.Endpoint) func(context.Context, any) (any, error) { return e }

// serveGRPC serves on a loopback listener until the benchmark ends and
// returns a connection to it.
func serveGRPC(b *testing.B, register func(*grpc.Server)) *grpc.ClientConn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer()
	register(srv)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cc.Close()
		srv.Stop()
		if err := <-done; err != nil {
			b.Errorf("Serve: %v", err)
		}
	})
	return cc
}

func grpcGetBookN(b *testing.B, cli bookpb.BookServiceClient, n int) {
	ctx := context.Background()
	for range n {
		if _, err := cli.GetBook(ctx, &bookpb.GetBookRequest{Id: "b1"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGRPCServer calls GetBook over loopback on an in-process
// grpc.Server; allocs/op counts both ends, so the difference from impl=raw
// is what the server transport adds.
func BenchmarkGRPCServer(b *testing.B) {
	for _, impl := range grpcImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			cli := bookpb.NewBookServiceClient(serveGRPC(b, impl.register))
			grpcGetBookN(b, cli, 10)
			b.ReportAllocs()
			b.ResetTimer()
			grpcGetBookN(b, cli, b.N)
		})
	}
}

// BenchmarkGRPCClient calls the raw server through a kit Client endpoint, a
// go-kit Client endpoint and the generated client's method.
func BenchmarkGRPCClient(b *testing.B) {
	cc := serveGRPC(b, grpcImpls[len(grpcImpls)-1].register)
	ctx := context.Background()
	endpoints := map[string]func(context.Context, any) (any, error){
		"kit": kitgrpc.NewClient(cc, "bookstore.v1.BookService", "GetBook",
			grpcEncodeGet, grpcDecodeReply, (*bookpb.Book)(nil)).Endpoint(),
		"gokit": gokitgrpc.NewClient(cc, "bookstore.v1.BookService", "GetBook",
			grpcEncodeGet, grpcDecodeReply, &bookpb.Book{}).Endpoint(),
	}
	for _, name := range []string{"kit", "gokit"} {
		b.Run("impl="+name, func(b *testing.B) {
			get := endpoints[name]
			b.ReportAllocs()
			for b.Loop() {
				if _, err := get(ctx, grpcGetRequest{ID: "b1"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
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
