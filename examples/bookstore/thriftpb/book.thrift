// The Book service of the kitbench bookstore example, over Thrift.
//
// It mirrors ../pb/book.proto (package bookstore.v1): the same resource,
// the same four standard methods and the same token-based pagination, so
// one set of kit endpoints serves HTTP/JSON, gRPC and Thrift alike.
// Protobuf statuses become declared exceptions: NotFound, InvalidArgument,
// and ServiceError for every other status a kit service answers with.

namespace go bookthrift

// Book is the service's one resource.
struct Book {
  // Server-assigned identifier; ignored on create.
  1: string id
  // The title, required.
  2: string title
  // The author; may be empty.
  3: string author
  // The year of publication; 0 when unknown.
  4: i32 year
  // When the book was added, in nanoseconds since the Unix epoch (UTC);
  // output only.
  5: i64 create_time_unix_nano
}

// CreateBookRequest is the request of CreateBook.
struct CreateBookRequest {
  // The book to add; its id and create_time are ignored.
  1: Book book
}

// GetBookRequest is the request of GetBook.
struct GetBookRequest {
  // The id of the book.
  1: string id
}

// ListBooksRequest is the request of ListBooks.
struct ListBooksRequest {
  // The maximum number of books to return; 0 means the server's default,
  // and larger values are capped by the server.
  1: i32 page_size
  // The next_page_token of a previous response; empty for the first page.
  2: string page_token
}

// ListBooksResponse is the response of ListBooks.
struct ListBooksResponse {
  // One page of books.
  1: list<Book> books
  // A token for the next page; empty when this is the last page.
  2: string next_page_token
}

// DeleteBookRequest is the request of DeleteBook.
struct DeleteBookRequest {
  // The id of the book.
  1: string id
}

// DeleteBookResponse is the (empty) response of DeleteBook; a struct of its
// own so that fields can be added later.
struct DeleteBookResponse {}

// NotFound: the book does not exist (gRPC NOT_FOUND, HTTP 404).
exception NotFound {
  1: string message
}

// InvalidArgument: the request is malformed (gRPC INVALID_ARGUMENT, HTTP 400).
exception InvalidArgument {
  1: string message
}

// ServiceError carries any other status of the kit error vocabulary:
// unauthenticated (401), rate limited (429), unavailable (503), … status is
// the HTTP status; for 500 and above message is a generic text.
exception ServiceError {
  1: i32 status
  2: string message
  // How long to wait before retrying, in milliseconds; 0 when no wait is
  // asked for.
  3: i64 retry_after_ms
  // The machine-readable reason of the error, as kit names it
  // (transport.ReasonOf): "breaker_open", "rate_limited",
  // "fault_injected", a service's own; absent when it has none.
  4: optional string reason
}

// BookService manages a shelf of books.
service BookService {
  // CreateBook adds a book and returns it with its assigned id and
  // create_time. A book without a title is InvalidArgument.
  Book CreateBook(1: CreateBookRequest req)
    throws (1: NotFound not_found, 2: InvalidArgument invalid, 3: ServiceError failed)

  // GetBook returns one book, or NotFound.
  Book GetBook(1: GetBookRequest req)
    throws (1: NotFound not_found, 2: InvalidArgument invalid, 3: ServiceError failed)

  // ListBooks returns books in creation order, one page at a time.
  ListBooksResponse ListBooks(1: ListBooksRequest req)
    throws (1: NotFound not_found, 2: InvalidArgument invalid, 3: ServiceError failed)

  // DeleteBook removes a book, or answers NotFound.
  DeleteBookResponse DeleteBook(1: DeleteBookRequest req)
    throws (1: NotFound not_found, 2: InvalidArgument invalid, 3: ServiceError failed)
}
