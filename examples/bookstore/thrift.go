package bookstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// ThriftService is the name of the Book service in book.thrift.
const ThriftService = "BookService"

type thriftHandler struct {
	create, get, list, del *kitthrift.Server
}

// NewThriftHandler serves the endpoints as book.thrift's BookService; hand
// it to bookthrift.NewBookServiceProcessor and serve that with a
// kitthrift.SocketServer. Errors become the IDL's exceptions (see
// EncodeThriftError), which opts may not replace.
func NewThriftHandler(e Endpoints, opts ...kitthrift.ServerOption) bookthrift.BookService {
	opts = append(opts[:len(opts):len(opts)], kitthrift.ServerErrorEncoder(EncodeThriftError))
	return &thriftHandler{
		create: kitthrift.NewServer(e.CreateBook, decodeThriftCreate, encodeThriftBook, opts...),
		get:    kitthrift.NewServer(e.GetBook, decodeThriftGet, encodeThriftBook, opts...),
		list:   kitthrift.NewServer(e.ListBooks, decodeThriftList, encodeThriftList, opts...),
		del:    kitthrift.NewServer(e.DeleteBook, decodeThriftDelete, encodeThriftDelete, opts...),
	}
}

func (h *thriftHandler) CreateBook(ctx context.Context, r *bookthrift.CreateBookRequest) (*bookthrift.Book, error) {
	return kitthrift.Serve[*bookthrift.Book](ctx, h.create, r)
}

func (h *thriftHandler) GetBook(ctx context.Context, r *bookthrift.GetBookRequest) (*bookthrift.Book, error) {
	return kitthrift.Serve[*bookthrift.Book](ctx, h.get, r)
}

func (h *thriftHandler) ListBooks(ctx context.Context, r *bookthrift.ListBooksRequest) (*bookthrift.ListBooksResponse, error) {
	return kitthrift.Serve[*bookthrift.ListBooksResponse](ctx, h.list, r)
}

func (h *thriftHandler) DeleteBook(ctx context.Context, r *bookthrift.DeleteBookRequest) (*bookthrift.DeleteBookResponse, error) {
	return kitthrift.Serve[*bookthrift.DeleteBookResponse](ctx, h.del, r)
}

// EncodeThriftError maps the service's errors to book.thrift's exceptions:
// 404 is NotFound, 400 InvalidArgument, any other status an error chose
// (401, 429 with its wait, 503 from an open breaker, …) or a deadline is a
// ServiceError with a generic message for 500 and above and the error's
// reason (transport.ReasonOf: breaker_open, rate_limited, fault_injected,
// the service's own), which the client reads back (kitthrift.Error.Reason),
// and anything else a generic TApplicationException.
func EncodeThriftError(ctx context.Context, err error) error {
	var sc transport.StatusCoder
	switch status := transport.StatusOf(err); {
	case status == http.StatusNotFound:
		return &bookthrift.NotFound{Message: kitthrift.ClientMessage(err)}
	case status == http.StatusBadRequest:
		return &bookthrift.InvalidArgument{Message: kitthrift.ClientMessage(err)}
	case errors.As(err, &sc) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		d, _ := transport.RetryAfterOf(err)
		se := &bookthrift.ServiceError{Status: int32(status), Message: kitthrift.ClientMessage(err), RetryAfterMs: d.Milliseconds()}
		if r := transport.ReasonOf(err); r != "" {
			se.Reason = &r
		}
		return se
	}
	return kitthrift.DefaultErrorEncoder(ctx, err)
}

func decodeThriftCreate(_ context.Context, req any) (any, error) {
	b := req.(*bookthrift.CreateBookRequest).GetBook()
	return CreateBookRequest{Title: b.GetTitle(), Author: b.GetAuthor(), Year: b.GetYear()}, nil
}

func decodeThriftGet(_ context.Context, req any) (any, error) {
	return GetBookRequest{ID: req.(*bookthrift.GetBookRequest).GetID()}, nil
}

func decodeThriftList(_ context.Context, req any) (any, error) {
	r := req.(*bookthrift.ListBooksRequest)
	return ListBooksRequest{PageSize: int(r.GetPageSize()), PageToken: r.GetPageToken()}, nil
}

func decodeThriftDelete(_ context.Context, req any) (any, error) {
	return DeleteBookRequest{ID: req.(*bookthrift.DeleteBookRequest).GetID()}, nil
}

func encodeThriftBook(_ context.Context, resp any) (any, error) {
	b, ok := resp.(Book)
	if !ok {
		return nil, fmt.Errorf("bookstore: unexpected response %T", resp)
	}
	return toThrift(b), nil
}

func encodeThriftList(_ context.Context, resp any) (any, error) {
	r, ok := resp.(ListBooksResponse)
	if !ok {
		return nil, fmt.Errorf("bookstore: unexpected response %T", resp)
	}
	out := &bookthrift.ListBooksResponse{NextPageToken: r.NextPageToken, Books: make([]*bookthrift.Book, len(r.Books))}
	for i, b := range r.Books {
		out.Books[i] = toThrift(b)
	}
	return out, nil
}

func encodeThriftDelete(context.Context, any) (any, error) {
	return &bookthrift.DeleteBookResponse{}, nil
}

func toThrift(b Book) *bookthrift.Book {
	out := &bookthrift.Book{ID: b.ID, Title: b.Title, Author: b.Author, Year: b.Year}
	if !b.CreateTime.IsZero() {
		out.CreateTimeUnixNano = b.CreateTime.UnixNano()
	}
	return out
}

func fromThrift(b *bookthrift.Book) Book {
	out := Book{ID: b.GetID(), Title: b.GetTitle(), Author: b.GetAuthor(), Year: b.GetYear()}
	if ns := b.GetCreateTimeUnixNano(); ns != 0 {
		out.CreateTime = time.Unix(0, ns).UTC()
	}
	return out
}

// NewThriftClient returns Endpoints that call a remote Book service over
// tc, usually a kitthrift.Pool. Like NewGRPCClient's, they take and return
// the types of MakeEndpoints, and errors keep their meaning.
func NewThriftClient(tc thrift.TClient, opts ...kitthrift.ClientOption) Endpoints {
	newClient := bookthrift.NewBookServiceClient
	return Endpoints{
		CreateBook: kitthrift.NewClient(tc, kitthrift.Method(newClient, (*bookthrift.BookServiceClient).CreateBook),
			encodeThriftCreateRequest, decodeThriftBookResponse, opts...).Endpoint(),
		GetBook: kitthrift.NewClient(tc, kitthrift.Method(newClient, (*bookthrift.BookServiceClient).GetBook),
			encodeThriftGetRequest, decodeThriftBookResponse, opts...).Endpoint(),
		ListBooks: kitthrift.NewClient(tc, kitthrift.Method(newClient, (*bookthrift.BookServiceClient).ListBooks),
			encodeThriftListRequest, decodeThriftListResponse, opts...).Endpoint(),
		DeleteBook: kitthrift.NewClient(tc, kitthrift.Method(newClient, (*bookthrift.BookServiceClient).DeleteBook),
			encodeThriftDeleteRequest, decodeThriftDeleteResponse, opts...).Endpoint(),
	}
}

func encodeThriftCreateRequest(_ context.Context, req any) (any, error) {
	r, err := as[CreateBookRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookthrift.CreateBookRequest{Book: &bookthrift.Book{Title: r.Title, Author: r.Author, Year: r.Year}}, nil
}

func encodeThriftGetRequest(_ context.Context, req any) (any, error) {
	r, err := as[GetBookRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookthrift.GetBookRequest{ID: r.ID}, nil
}

func encodeThriftListRequest(_ context.Context, req any) (any, error) {
	r, err := as[ListBooksRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookthrift.ListBooksRequest{PageSize: int32(r.PageSize), PageToken: r.PageToken}, nil
}

func encodeThriftDeleteRequest(_ context.Context, req any) (any, error) {
	r, err := as[DeleteBookRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookthrift.DeleteBookRequest{ID: r.ID}, nil
}

func decodeThriftBookResponse(_ context.Context, resp any) (any, error) {
	return fromThrift(resp.(*bookthrift.Book)), nil
}

func decodeThriftListResponse(_ context.Context, resp any) (any, error) {
	r := resp.(*bookthrift.ListBooksResponse)
	out := ListBooksResponse{NextPageToken: r.GetNextPageToken(), Books: make([]Book, len(r.GetBooks()))}
	for i, b := range r.GetBooks() {
		out.Books[i] = fromThrift(b)
	}
	return out, nil
}

func decodeThriftDeleteResponse(context.Context, any) (any, error) { return DeleteBookResponse{}, nil }

// ThriftEndpointDocs describes the Thrift methods for the introspection
// info: transport "thrift", named as in book.thrift, with a request example
// in the JSON form of the generated structs (which kitbench cannot send
// over Thrift: it calls the HTTP or gRPC twin of the same name).
func ThriftEndpointDocs() []introspect.EndpointDoc {
	docs := make([]introspect.EndpointDoc, 0, 4)
	for _, m := range []string{MethodCreateBook, MethodGetBook, MethodListBooks, MethodDeleteBook} {
		docs = append(docs, introspect.EndpointDoc{Name: m, Transport: "thrift", RequestExample: json.RawMessage(grpcExamples[m])})
	}
	return docs
}

// serveThrift serves e over Thrift on the instance ki, at addr, recovering
// panics with the instance's policy and showing each call to observe (the
// exchange ring's; nil: none), and returns the address listened on.
func serveThrift(ki *instance.Instance, addr string, e Endpoints, observe func(*kitthrift.Exchange)) (string, error) {
	panics := ki.PanicPolicy()
	srv := kitthrift.NewSocketServer(bookthrift.NewBookServiceProcessor(NewThriftHandler(e, kitthrift.ServerPanicPolicy(panics))),
		kitthrift.SocketConfig{
			ErrorHandler: func(err error) { ki.Logger().Warn("bookstore: thrift connection", "err", err) },
			Panics:       panics,
			Observe:      observe,
		})
	return ki.Serve("thrift", addr, func(ln net.Listener) error {
		if err := srv.Serve(ln); !errors.Is(err, kitthrift.ErrServerClosed) {
			return err
		}
		return nil
	}, srv.Shutdown, instance.Endpoints(ThriftEndpointDocs()...))
}
