package grpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// titleServer implements the generated interface's GetBook with a kit Server.
type titleServer struct {
	bookpb.UnimplementedBookServiceServer
	get *kitgrpc.Server
}

func (s *titleServer) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	return kitgrpc.Serve[*bookpb.Book](ctx, s.get, r)
}

// A kit endpoint served over gRPC on loopback and called back through a kit
// Client; the endpoint's "not found" reaches the caller as a 404-meaning
// error.
func Example() {
	getTitle := endpoint.Typed(func(_ context.Context, id string) (string, error) {
		if id != "1" {
			return "", transport.NewError(404, "no book "+id)
		}
		return "Dune", nil
	})
	server := kitgrpc.NewServer(getTitle,
		func(_ context.Context, r any) (any, error) { return r.(*bookpb.GetBookRequest).GetId(), nil },
		func(_ context.Context, r any) (any, error) { return &bookpb.Book{Title: r.(string)}, nil })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := grpc.NewServer()
	bookpb.RegisterBookServiceServer(srv, &titleServer{get: server})
	kitgrpc.RegisterStandardServices(srv)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	get := kitgrpc.NewClient(conn, "bookstore.v1.BookService", "GetBook",
		func(_ context.Context, id any) (any, error) { return &bookpb.GetBookRequest{Id: id.(string)}, nil },
		func(_ context.Context, b any) (any, error) { return b.(*bookpb.Book).GetTitle(), nil },
		(*bookpb.Book)(nil)).Endpoint()

	title, err := get(context.Background(), "1")
	fmt.Println(title, err)
	_, err = get(context.Background(), "2")
	fmt.Println(transport.StatusOf(err), err)
	// Output:
	// Dune <nil>
	// 404 no book 2
}

// DefaultErrorEncoder sends a client error's message, and a generic text
// for everything else.
func ExampleDefaultErrorEncoder() {
	for _, err := range []error{
		transport.NewError(400, "title is required"),
		errors.New("connect 10.0.0.7:5432: connection refused"),
		fmt.Errorf("query: %w", context.DeadlineExceeded),
	} {
		st := status.Convert(kitgrpc.DefaultErrorEncoder(context.Background(), err))
		fmt.Printf("%v: %s\n", st.Code(), st.Message())
	}
	// Output:
	// InvalidArgument: title is required
	// Internal: internal error
	// DeadlineExceeded: deadline exceeded
}
