package bookstore

import (
	"context"
	"log/slog"
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

// LogHTTPErrors returns a kithttp.ServerErrorHandler function that logs
// every error answered with a 5xx, with the request id the client was sent:
// the client sees only a generic message and the id, and this line holds
// the cause. Client errors (4xx) are the client's business and are not
// logged. A nil log discards.
func LogHTTPErrors(log *slog.Logger) func(context.Context, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, err error) {
		status := transport.StatusOf(err)
		if status < 500 {
			return
		}
		log.LogAttrs(ctx, slog.LevelError, "http request failed",
			slog.String("request_id", kithttp.RequestIDFromContext(ctx)),
			slog.Int("status", status), slog.String("err", err.Error()))
	}
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
