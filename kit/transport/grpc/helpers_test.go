package grpc_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// book is the test service's domain type.
type book struct {
	ID, Title, Author string
	Year              int32
	Created           time.Time
}

type getRequest struct{ ID string }

type listRequest struct {
	Size  int
	Token string
}

type listResponse struct {
	Books []*book
	Next  string
}

// shelf is a small in-memory store; errs injects an error for a book id.
type shelf struct {
	mu    sync.Mutex
	books []*book
	errs  map[string]error
	now   time.Time
}

func newShelf() *shelf {
	return &shelf{errs: map[string]error{}, now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (s *shelf) create(_ context.Context, b book) (*book, error) {
	if b.Title == "" || b.Author == "" {
		return nil, transport.NewError(400, "title and author are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b.ID = "b" + string(rune('0'+len(s.books)))
	b.Created = s.now
	s.books = append(s.books, &b)
	return &b, nil
}

func (s *shelf) get(ctx context.Context, r getRequest) (*book, error) {
	s.mu.Lock()
	injected := s.errs[r.ID]
	s.mu.Unlock()
	if injected != nil {
		return nil, injected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.books {
		if b.ID == r.ID {
			return b, nil
		}
	}
	return nil, transport.NewError(404, "no book "+r.ID)
}

func (s *shelf) list(_ context.Context, r listRequest) (listResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if r.Token != "" {
		start = -1
		for i, b := range s.books {
			if b.ID == r.Token {
				start = i
			}
		}
		if start < 0 {
			return listResponse{}, transport.NewError(400, "bad page token")
		}
	}
	end := min(start+max(r.Size, 1), len(s.books))
	resp := listResponse{Books: s.books[start:end]}
	if end < len(s.books) {
		resp.Next = s.books[end].ID
	}
	return resp, nil
}

func (s *shelf) remove(_ context.Context, r getRequest) (struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, b := range s.books {
		if b.ID == r.ID {
			s.books = append(s.books[:i], s.books[i+1:]...)
			return struct{}{}, nil
		}
	}
	return struct{}{}, transport.NewError(404, "no book "+r.ID)
}

func toPB(b *book) *bookpb.Book {
	return &bookpb.Book{Id: b.ID, Title: b.Title, Author: b.Author, Year: b.Year, CreateTime: timestamppb.New(b.Created)}
}

var errBadMessage = errors.New("unexpected message type")

func decodeGet(_ context.Context, r any) (any, error) {
	switch m := r.(type) {
	case *bookpb.GetBookRequest:
		return getRequest{ID: m.GetId()}, nil
	case *bookpb.DeleteBookRequest:
		return getRequest{ID: m.GetId()}, nil
	}
	return nil, errBadMessage
}

func encodeBook(_ context.Context, r any) (any, error) {
	b, ok := r.(*book)
	if !ok {
		return nil, errBadMessage
	}
	return toPB(b), nil
}

// bookServer implements bookpb.BookServiceServer with kit Servers.
type bookServer struct {
	bookpb.UnimplementedBookServiceServer
	create, get, list, del *kitgrpc.Server
}

func newBookService(s *shelf, opts ...kitgrpc.ServerOption) *bookServer {
	return &bookServer{
		create: kitgrpc.NewServer(endpoint.Typed(s.create),
			func(_ context.Context, r any) (any, error) {
				b := r.(*bookpb.CreateBookRequest).GetBook()
				return book{Title: b.GetTitle(), Author: b.GetAuthor(), Year: b.GetYear()}, nil
			}, encodeBook, opts...),
		get: kitgrpc.NewServer(endpoint.Typed(s.get), decodeGet, encodeBook, opts...),
		list: kitgrpc.NewServer(endpoint.Typed(s.list),
			func(_ context.Context, r any) (any, error) {
				m := r.(*bookpb.ListBooksRequest)
				return listRequest{Size: int(m.GetPageSize()), Token: m.GetPageToken()}, nil
			},
			func(_ context.Context, r any) (any, error) {
				lr := r.(listResponse)
				out := &bookpb.ListBooksResponse{NextPageToken: lr.Next}
				for _, b := range lr.Books {
					out.Books = append(out.Books, toPB(b))
				}
				return out, nil
			}, opts...),
		del: kitgrpc.NewServer(endpoint.Typed(s.remove), decodeGet,
			func(context.Context, any) (any, error) { return &bookpb.DeleteBookResponse{}, nil }, opts...),
	}
}

func (s *bookServer) CreateBook(ctx context.Context, r *bookpb.CreateBookRequest) (*bookpb.Book, error) {
	return kitgrpc.Serve[*bookpb.Book](ctx, s.create, r)
}

func (s *bookServer) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	return kitgrpc.Serve[*bookpb.Book](ctx, s.get, r)
}

func (s *bookServer) ListBooks(ctx context.Context, r *bookpb.ListBooksRequest) (*bookpb.ListBooksResponse, error) {
	return kitgrpc.Serve[*bookpb.ListBooksResponse](ctx, s.list, r)
}

func (s *bookServer) DeleteBook(ctx context.Context, r *bookpb.DeleteBookRequest) (*bookpb.DeleteBookResponse, error) {
	return kitgrpc.Serve[*bookpb.DeleteBookResponse](ctx, s.del, r)
}

// serve runs srv on a loopback listener until the test ends and returns a
// connection to it. register is called before serving.
func serve(tb testing.TB, register func(*grpc.Server)) *grpc.ClientConn {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := grpc.NewServer()
	register(srv)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cc.Close()
		srv.Stop()
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	return cc
}

// serveBooks serves a bookServer over loopback.
func serveBooks(tb testing.TB, s *shelf, opts ...kitgrpc.ServerOption) *grpc.ClientConn {
	tb.Helper()
	return serve(tb, func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, newBookService(s, opts...)) })
}
