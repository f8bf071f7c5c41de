package bookstore

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"google.golang.org/grpc"
)

// NewGRPCClient returns Endpoints that call a remote Book service over cc.
// They take and return the same types as MakeEndpoints, so a caller cannot
// tell a remote service from a local one; errors keep their meaning
// (NotFound is still a 404-class error).
func NewGRPCClient(cc grpc.ClientConnInterface, opts ...kitgrpc.ClientOption) Endpoints {
	return Endpoints{
		CreateBook: kitgrpc.NewClient(cc, GRPCService, MethodCreateBook, encodeGRPCCreateRequest, decodeGRPCBookResponse, &bookpb.Book{}, opts...).Endpoint(),
		GetBook:    kitgrpc.NewClient(cc, GRPCService, MethodGetBook, encodeGRPCGetRequest, decodeGRPCBookResponse, &bookpb.Book{}, opts...).Endpoint(),
		ListBooks:  kitgrpc.NewClient(cc, GRPCService, MethodListBooks, encodeGRPCListRequest, decodeGRPCListResponse, &bookpb.ListBooksResponse{}, opts...).Endpoint(),
		DeleteBook: kitgrpc.NewClient(cc, GRPCService, MethodDeleteBook, encodeGRPCDeleteRequest, decodeGRPCDeleteResponse, &bookpb.DeleteBookResponse{}, opts...).Endpoint(),
	}
}

// NewHTTPClient returns Endpoints that call a remote Book service over
// HTTP/JSON at base (e.g. "http://127.0.0.1:8080").
func NewHTTPClient(base string, opts ...kithttp.ClientOption) (Endpoints, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return Endpoints{}, fmt.Errorf("bookstore: bad base URL %q: want scheme://host:port", base)
	}
	at := func(path string) *url.URL { return u.JoinPath(path) }
	return Endpoints{
		CreateBook: kithttp.NewClient("POST", at("/v1/books"), kithttp.EncodeJSONRequest, decodeHTTP[Book], opts...).Endpoint(),
		GetBook:    kithttp.NewClient("GET", at("/v1/books"), encodeHTTPIDRequest, decodeHTTP[Book], opts...).Endpoint(),
		ListBooks:  kithttp.NewClient("GET", at("/v1/books"), encodeHTTPListRequest, decodeHTTP[ListBooksResponse], opts...).Endpoint(),
		DeleteBook: kithttp.NewClient("DELETE", at("/v1/books"), encodeHTTPIDRequest, decodeHTTP[DeleteBookResponse], opts...).Endpoint(),
	}, nil
}

func encodeGRPCCreateRequest(_ context.Context, req any) (any, error) {
	r, err := as[CreateBookRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: r.Title, Author: r.Author, Year: r.Year}}, nil
}

func encodeGRPCGetRequest(_ context.Context, req any) (any, error) {
	r, err := as[GetBookRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookpb.GetBookRequest{Id: r.ID}, nil
}

func encodeGRPCListRequest(_ context.Context, req any) (any, error) {
	r, err := as[ListBooksRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookpb.ListBooksRequest{PageSize: int32(r.PageSize), PageToken: r.PageToken}, nil
}

func encodeGRPCDeleteRequest(_ context.Context, req any) (any, error) {
	r, err := as[DeleteBookRequest](req)
	if err != nil {
		return nil, err
	}
	return &bookpb.DeleteBookRequest{Id: r.ID}, nil
}

func decodeGRPCBookResponse(_ context.Context, resp any) (any, error) {
	return fromPB(resp.(*bookpb.Book)), nil
}

func decodeGRPCListResponse(_ context.Context, resp any) (any, error) {
	r := resp.(*bookpb.ListBooksResponse)
	out := ListBooksResponse{NextPageToken: r.GetNextPageToken(), Books: make([]Book, len(r.GetBooks()))}
	for i, b := range r.GetBooks() {
		out.Books[i] = fromPB(b)
	}
	return out, nil
}

func decodeGRPCDeleteResponse(context.Context, any) (any, error) { return DeleteBookResponse{}, nil }

func encodeHTTPIDRequest(_ context.Context, r *http.Request, req any) error {
	var id string
	if g, err := as[GetBookRequest](req); err == nil {
		id = g.ID
	} else if d, err := as[DeleteBookRequest](req); err == nil {
		id = d.ID
	} else {
		return err
	}
	if id == "" {
		return transportError("id: must not be empty")
	}
	r.URL = r.URL.JoinPath(id)
	return nil
}

func encodeHTTPListRequest(_ context.Context, r *http.Request, req any) error {
	lr, err := as[ListBooksRequest](req)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if lr.PageSize != 0 {
		q.Set("page_size", strconv.Itoa(lr.PageSize))
	}
	if lr.PageToken != "" {
		q.Set("page_token", lr.PageToken)
	}
	r.URL.RawQuery = q.Encode()
	return nil
}

// decodeHTTP decodes a JSON response into a T value (not a pointer), the
// type the local endpoints return.
func decodeHTTP[T any](ctx context.Context, resp *http.Response) (any, error) {
	v, err := kithttp.DecodeJSONResponse[T](ctx, resp)
	if err != nil {
		return nil, err
	}
	return *v.(*T), nil
}

func transportError(msg string) error { return transport.NewError(http.StatusBadRequest, msg) }

// as accepts T or *T, like endpoint.Typed.
func as[T any](req any) (T, error) {
	switch v := req.(type) {
	case T:
		return v, nil
	case *T:
		if v != nil {
			return *v, nil
		}
	}
	var zero T
	return zero, fmt.Errorf("%w: got %T, want %T", endpoint.ErrRequestType, req, zero)
}
