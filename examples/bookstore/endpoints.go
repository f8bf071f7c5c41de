package bookstore

import (
	"context"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// Request and response types of the endpoints; the transports translate
// wire messages into these.
type (
	// CreateBookRequest asks for a new book.
	CreateBookRequest struct {
		Title  string `json:"title"`
		Author string `json:"author"`
		Year   int32  `json:"year,omitempty"`
	}
	// GetBookRequest names a book.
	GetBookRequest struct {
		ID string `json:"id" path:"id"`
	}
	// ListBooksRequest asks for one page of books.
	ListBooksRequest struct {
		PageSize  int    `json:"page_size,omitempty"`
		PageToken string `json:"page_token,omitempty"`
	}
	// ListBooksResponse is one page of books.
	ListBooksResponse struct {
		Books         []Book `json:"books"`
		NextPageToken string `json:"next_page_token,omitempty"`
	}
	// DeleteBookRequest names the book to delete.
	DeleteBookRequest struct {
		ID string `json:"id" path:"id"`
	}
	// DeleteBookResponse is empty.
	DeleteBookResponse struct{}
)

// Endpoints are the Book service's methods as endpoints.
type Endpoints struct {
	CreateBook endpoint.Endpoint
	GetBook    endpoint.Endpoint
	ListBooks  endpoint.Endpoint
	DeleteBook endpoint.Endpoint
}

// Method names, as endpoints, metrics labels and gRPC methods know them.
const (
	MethodCreateBook = "CreateBook"
	MethodGetBook    = "GetBook"
	MethodListBooks  = "ListBooks"
	MethodDeleteBook = "DeleteBook"
)

// MakeEndpoints adapts a Service into Endpoints. Each endpoint takes the
// matching request type (value or pointer) and returns Book,
// ListBooksResponse or DeleteBookResponse.
func MakeEndpoints(s Service) Endpoints {
	return Endpoints{
		CreateBook: endpoint.Typed(func(ctx context.Context, r CreateBookRequest) (Book, error) {
			return s.CreateBook(ctx, Book{Title: r.Title, Author: r.Author, Year: r.Year})
		}),
		GetBook: endpoint.Typed(func(ctx context.Context, r GetBookRequest) (Book, error) {
			return s.GetBook(ctx, r.ID)
		}),
		ListBooks: endpoint.Typed(func(ctx context.Context, r ListBooksRequest) (ListBooksResponse, error) {
			books, next, err := s.ListBooks(ctx, r.PageSize, r.PageToken)
			return ListBooksResponse{Books: books, NextPageToken: next}, err
		}),
		DeleteBook: endpoint.Typed(func(ctx context.Context, r DeleteBookRequest) (DeleteBookResponse, error) {
			return DeleteBookResponse{}, s.DeleteBook(ctx, r.ID)
		}),
	}
}

// Wrap returns a copy of e with mw applied to every endpoint; mw receives
// the method name so it can build per-endpoint middlewares (metrics labels,
// one breaker per method).
func (e Endpoints) Wrap(mw func(method string, next endpoint.Endpoint) endpoint.Endpoint) Endpoints {
	return Endpoints{
		CreateBook: mw(MethodCreateBook, e.CreateBook),
		GetBook:    mw(MethodGetBook, e.GetBook),
		ListBooks:  mw(MethodListBooks, e.ListBooks),
		DeleteBook: mw(MethodDeleteBook, e.DeleteBook),
	}
}
