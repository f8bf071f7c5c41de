package thrift_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// book is the test service's domain type.
type book struct {
	ID, Title string
	Year      int32
}

type getRequest struct{ ID string }

// shelf is a small in-memory store. A get of "slow" blocks until its
// context ends or release is closed; errs injects an error for an id.
type shelf struct {
	mu      sync.Mutex
	books   map[string]book
	errs    map[string]error
	entered chan struct{} // receives when a slow get starts
	release chan struct{}
}

func newShelf() *shelf {
	return &shelf{books: map[string]book{}, errs: map[string]error{},
		entered: make(chan struct{}, 8), release: make(chan struct{})}
}

func (s *shelf) create(_ context.Context, b book) (book, error) {
	if b.Title == "" {
		return book{}, transport.NewError(http.StatusBadRequest, "title: must not be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b.ID = fmt.Sprintf("b%d", len(s.books)+1)
	s.books[b.ID] = b
	return b, nil
}

func (s *shelf) get(ctx context.Context, r getRequest) (book, error) {
	if r.ID == "slow" {
		s.entered <- struct{}{}
		select {
		case <-ctx.Done():
			return book{}, ctx.Err()
		case <-s.release:
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.errs[r.ID]; err != nil {
		return book{}, err
	}
	b, ok := s.books[r.ID]
	if !ok {
		return book{}, transport.NewError(http.StatusNotFound, "book not found")
	}
	return b, nil
}

func decodeCreate(_ context.Context, req any) (any, error) {
	b := req.(*bookthrift.CreateBookRequest).GetBook()
	return book{Title: b.GetTitle(), Year: b.GetYear()}, nil
}

func decodeGet(_ context.Context, req any) (any, error) {
	return getRequest{ID: req.(*bookthrift.GetBookRequest).GetID()}, nil
}

func encodeBook(_ context.Context, resp any) (any, error) {
	b := resp.(book)
	return &bookthrift.Book{ID: b.ID, Title: b.Title, Year: b.Year}, nil
}

// encodeError maps errors to the exceptions book.thrift declares.
func encodeError(ctx context.Context, err error) error {
	var sc transport.StatusCoder
	switch status := transport.StatusOf(err); {
	case status == http.StatusNotFound:
		return &bookthrift.NotFound{Message: kitthrift.ClientMessage(err)}
	case status == http.StatusBadRequest:
		return &bookthrift.InvalidArgument{Message: kitthrift.ClientMessage(err)}
	case errors.As(err, &sc) || errors.Is(err, context.DeadlineExceeded):
		d, _ := transport.RetryAfterOf(err)
		return &bookthrift.ServiceError{Status: int32(status), Message: kitthrift.ClientMessage(err), RetryAfterMs: d.Milliseconds()}
	}
	return kitthrift.DefaultErrorEncoder(ctx, err)
}

// handler is a generated BookService handler whose methods are kit
// endpoints; ListBooks and DeleteBook are not used by the tests.
type handler struct {
	create, get *kitthrift.Server
}

func newHandler(s *shelf, opts ...kitthrift.ServerOption) *handler {
	opts = append([]kitthrift.ServerOption{kitthrift.ServerErrorEncoder(encodeError)}, opts...)
	return &handler{
		create: kitthrift.NewServer(endpoint.Typed(s.create), decodeCreate, encodeBook, opts...),
		get:    kitthrift.NewServer(endpoint.Typed(s.get), decodeGet, encodeBook, opts...),
	}
}

func (h *handler) CreateBook(ctx context.Context, r *bookthrift.CreateBookRequest) (*bookthrift.Book, error) {
	return kitthrift.Serve[*bookthrift.Book](ctx, h.create, r)
}

func (h *handler) GetBook(ctx context.Context, r *bookthrift.GetBookRequest) (*bookthrift.Book, error) {
	return kitthrift.Serve[*bookthrift.Book](ctx, h.get, r)
}

func (h *handler) ListBooks(context.Context, *bookthrift.ListBooksRequest) (*bookthrift.ListBooksResponse, error) {
	return nil, transport.NewError(http.StatusNotImplemented, "not implemented")
}

func (h *handler) DeleteBook(context.Context, *bookthrift.DeleteBookRequest) (*bookthrift.DeleteBookResponse, error) {
	return nil, transport.NewError(http.StatusNotImplemented, "not implemented")
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	mu sync.Mutex
	n  int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.n++
		l.mu.Unlock()
	}
	return c, err
}

func (l *countingListener) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// errorLog collects what a SocketServer reports.
type errorLog struct {
	mu   sync.Mutex
	errs []error
	ch   chan error
}

func newErrorLog() *errorLog { return &errorLog{ch: make(chan error, 16)} }

func (l *errorLog) handle(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
	select {
	case l.ch <- err:
	default:
	}
}

// next waits (boundedly) for the next reported error.
func (l *errorLog) next(t *testing.T) error {
	t.Helper()
	select {
	case err := <-l.ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("no error reported within 5s")
		return nil
	}
}

type server struct {
	addr string
	srv  *kitthrift.SocketServer
	ln   *countingListener
	done chan error
}

// serve starts a SocketServer for h on a free loopback port (or addr) and
// closes it at cleanup.
func serve(t testing.TB, h bookthrift.BookService, addr string, cfg kitthrift.SocketConfig) *server {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: ln.Addr().String(), ln: &countingListener{Listener: ln}, done: make(chan error, 1),
		srv: kitthrift.NewSocketServer(bookthrift.NewBookServiceProcessor(h), cfg)}
	go func() { s.done <- s.srv.Serve(s.ln) }()
	t.Cleanup(s.stop)
	return s
}

// stop closes the server and waits for Serve to return; it is idempotent.
func (s *server) stop() {
	_ = s.srv.Close()
	if s.done != nil {
		<-s.done
		s.done = nil
	}
}

// pool returns a Pool to s, closed at cleanup.
func pool(t testing.TB, addr string, p kitthrift.Protocol) *kitthrift.Pool {
	t.Helper()
	pl := kitthrift.NewPool(addr, kitthrift.PoolConfig{Protocol: p})
	t.Cleanup(func() { _ = pl.Close() })
	return pl
}

var (
	callGet    = kitthrift.Method(bookthrift.NewBookServiceClient, (*bookthrift.BookServiceClient).GetBook)
	callCreate = kitthrift.Method(bookthrift.NewBookServiceClient, (*bookthrift.BookServiceClient).CreateBook)
)

func encodeGetRequest(_ context.Context, req any) (any, error) {
	return &bookthrift.GetBookRequest{ID: req.(getRequest).ID}, nil
}

func encodeCreateRequest(_ context.Context, req any) (any, error) {
	b := req.(book)
	return &bookthrift.CreateBookRequest{Book: &bookthrift.Book{Title: b.Title, Year: b.Year}}, nil
}

func decodeBook(_ context.Context, resp any) (any, error) {
	b := resp.(*bookthrift.Book)
	return book{ID: b.GetID(), Title: b.GetTitle(), Year: b.GetYear()}, nil
}

// clients returns the GetBook and CreateBook endpoints over tc.
func clients(tc thrift.TClient, opts ...kitthrift.ClientOption) (get, create endpoint.Endpoint) {
	return kitthrift.NewClient(tc, callGet, encodeGetRequest, decodeBook, opts...).Endpoint(),
		kitthrift.NewClient(tc, callCreate, encodeCreateRequest, decodeBook, opts...).Endpoint()
}

var protocols = []kitthrift.Protocol{kitthrift.Binary, kitthrift.Compact}

func contains(err error, sub string) bool { return err != nil && strings.Contains(err.Error(), sub) }
