package bookstore

import (
	"context"
	"fmt"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// GRPCService is the full gRPC name of the Book service.
const GRPCService = "bookstore.v1.BookService"

type grpcServer struct {
	bookpb.UnimplementedBookServiceServer
	create, get, list, del *kitgrpc.Server
	watch, imp, sync       *kitgrpc.StreamServer // nil: Unimplemented
}

// NewGRPCServer serves the endpoints as bookstore.v1.BookService; register
// it with bookpb.RegisterBookServiceServer. Its streaming methods answer
// Unimplemented; NewGRPCServerWithStreams serves them too.
func NewGRPCServer(e Endpoints, opts ...kitgrpc.ServerOption) bookpb.BookServiceServer {
	return newGRPCServer(e, opts...)
}

func newGRPCServer(e Endpoints, opts ...kitgrpc.ServerOption) *grpcServer {
	return &grpcServer{
		create: kitgrpc.NewServer(e.CreateBook, decodeGRPCCreate, encodeGRPCBook, opts...),
		get:    kitgrpc.NewServer(e.GetBook, decodeGRPCGet, encodeGRPCBook, opts...),
		list:   kitgrpc.NewServer(e.ListBooks, decodeGRPCList, encodeGRPCList, opts...),
		del:    kitgrpc.NewServer(e.DeleteBook, decodeGRPCDelete, encodeGRPCDelete, opts...),
	}
}

func (s *grpcServer) CreateBook(ctx context.Context, req *bookpb.CreateBookRequest) (*bookpb.Book, error) {
	resp, err := s.create.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*bookpb.Book), nil
}

func (s *grpcServer) GetBook(ctx context.Context, req *bookpb.GetBookRequest) (*bookpb.Book, error) {
	resp, err := s.get.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*bookpb.Book), nil
}

func (s *grpcServer) ListBooks(ctx context.Context, req *bookpb.ListBooksRequest) (*bookpb.ListBooksResponse, error) {
	resp, err := s.list.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*bookpb.ListBooksResponse), nil
}

func (s *grpcServer) DeleteBook(ctx context.Context, req *bookpb.DeleteBookRequest) (*bookpb.DeleteBookResponse, error) {
	resp, err := s.del.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*bookpb.DeleteBookResponse), nil
}

func decodeGRPCCreate(_ context.Context, req any) (any, error) {
	r := req.(*bookpb.CreateBookRequest)
	b := r.GetBook()
	return CreateBookRequest{Title: b.GetTitle(), Author: b.GetAuthor(), Year: b.GetYear()}, nil
}

func decodeGRPCGet(_ context.Context, req any) (any, error) {
	return GetBookRequest{ID: req.(*bookpb.GetBookRequest).GetId()}, nil
}

func decodeGRPCList(_ context.Context, req any) (any, error) {
	r := req.(*bookpb.ListBooksRequest)
	return ListBooksRequest{PageSize: int(r.GetPageSize()), PageToken: r.GetPageToken()}, nil
}

func decodeGRPCDelete(_ context.Context, req any) (any, error) {
	return DeleteBookRequest{ID: req.(*bookpb.DeleteBookRequest).GetId()}, nil
}

func encodeGRPCBook(_ context.Context, resp any) (any, error) {
	b, ok := resp.(Book)
	if !ok {
		return nil, fmt.Errorf("bookstore: unexpected response %T", resp)
	}
	return toPB(b), nil
}

func encodeGRPCList(_ context.Context, resp any) (any, error) {
	r, ok := resp.(ListBooksResponse)
	if !ok {
		return nil, fmt.Errorf("bookstore: unexpected response %T", resp)
	}
	out := &bookpb.ListBooksResponse{NextPageToken: r.NextPageToken, Books: make([]*bookpb.Book, len(r.Books))}
	for i, b := range r.Books {
		out.Books[i] = toPB(b)
	}
	return out, nil
}

func encodeGRPCDelete(context.Context, any) (any, error) { return &bookpb.DeleteBookResponse{}, nil }

func toPB(b Book) *bookpb.Book {
	return &bookpb.Book{Id: b.ID, Title: b.Title, Author: b.Author, Year: b.Year, CreateTime: timestamppb.New(b.CreateTime)}
}

func fromPB(b *bookpb.Book) Book {
	out := Book{ID: b.GetId(), Title: b.GetTitle(), Author: b.GetAuthor(), Year: b.GetYear()}
	if ts := b.GetCreateTime(); ts != nil {
		out.CreateTime = ts.AsTime()
	}
	return out
}
