package bookstore

import (
	"context"
	"net/http"
	"strconv"

	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// HTTP routes of the Book service.
const (
	RouteCreateBook = "/v1/books"
	RouteListBooks  = "/v1/books"
	RouteGetBook    = "/v1/books/{id}"
	RouteDeleteBook = "/v1/books/{id}"
)

// NewHTTPHandler serves the endpoints as HTTP/JSON:
//
//	POST   /v1/books        {"title":…,"author":…,"year":…} → Book
//	GET    /v1/books/{id}   → Book
//	GET    /v1/books?page_size=N&page_token=T → {"books":[…],"next_page_token":…}
//	DELETE /v1/books/{id}   → {}
//
// The returned router also lists the routes for the introspection protocol.
func NewHTTPHandler(e Endpoints, opts ...kithttp.ServerOption) *kithttp.Router {
	r := kithttp.NewRouter()
	enc := kithttp.EncodeJSONResponse
	// The routes are fixed and valid, so Handle cannot fail here; the
	// bookstore tests call every route.
	_ = r.Handle(MethodCreateBook, http.MethodPost, RouteCreateBook,
		kithttp.NewServer(e.CreateBook, kithttp.DecodeJSONRequest[CreateBookRequest], enc, opts...))
	_ = r.Handle(MethodGetBook, http.MethodGet, RouteGetBook,
		kithttp.NewServer(e.GetBook, kithttp.JSONDecoder[GetBookRequest](), enc, opts...))
	_ = r.Handle(MethodListBooks, http.MethodGet, RouteListBooks,
		kithttp.NewServer(e.ListBooks, decodeListBooksRequest, enc, opts...))
	_ = r.Handle(MethodDeleteBook, http.MethodDelete, RouteDeleteBook,
		kithttp.NewServer(e.DeleteBook, kithttp.JSONDecoder[DeleteBookRequest](), enc, opts...))
	return r
}

func decodeListBooksRequest(_ context.Context, r *http.Request) (any, error) {
	q := r.URL.Query()
	req := ListBooksRequest{PageToken: q.Get("page_token")}
	if s := q.Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, transport.NewError(http.StatusBadRequest, "page_size: not a whole number: "+strconv.Quote(s))
		}
		req.PageSize = n
	}
	return req, nil
}
