package bookstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// Stream method names, as endpoints, metrics labels and gRPC methods know
// them.
const (
	MethodWatchBooks  = "WatchBooks"
	MethodImportBooks = "ImportBooks"
	MethodSyncBooks   = "SyncBooks"
)

// Limits of the stream methods.
const (
	// MaxImportBooks is how many books one ImportBooks call adds; the
	// books after it are reported as failures.
	MaxImportBooks = 1000
	// MaxImportFailures is how many failures an import summary lists; it
	// counts them all.
	MaxImportFailures = 100
)

// Message types of the stream endpoints, beside the unary ones: WatchBooks
// takes a WatchBooksRequest and sends BookEvents; ImportBooks receives
// CreateBookRequests and answers one ImportBooksResponse; SyncBooks
// receives SyncBooksRequests and sends SyncBooksResponses.
type (
	// WatchBooksRequest starts a watch; it has no fields yet.
	WatchBooksRequest struct{}
	// ImportBooksResponse summarizes an import.
	ImportBooksResponse struct {
		Imported int             `json:"imported_count"`
		Failed   int             `json:"failed_count"`
		Failures []ImportFailure `json:"failures,omitempty"` // the first MaxImportFailures
	}
	// ImportFailure says why one book of an import was refused.
	ImportFailure struct {
		Index   int    `json:"index"` // position in the stream, from 0
		Title   string `json:"title"`
		Message string `json:"message"` // client-safe, as CreateBook's error would say
	}
	// SyncBooksRequest names a book the caller holds, with its version.
	SyncBooksRequest struct {
		ID         string    `json:"id"`
		CreateTime time.Time `json:"create_time"`
	}
	// SyncBooksResponse says how the store's book differs from the
	// caller's; Book is set for SyncChanged and SyncAdded.
	SyncBooksResponse struct {
		ID     string     `json:"id"`
		Change SyncChange `json:"change"`
		Book   Book       `json:"book"`
	}
)

// SyncChange is how a book differs between the caller and the store.
type SyncChange uint8

// Sync changes.
const (
	SyncUnchanged SyncChange = iota + 1 // the caller's copy is current
	SyncChanged                         // the id names another version now
	SyncDeleted                         // the store has no such book
	SyncAdded                           // the store has a book the caller did not name
)

// Watcher is a Service with a change feed, which WatchBooks needs; *Store
// is one.
type Watcher interface {
	Subscribe() *Subscription
}

// StreamEndpoints are the Book service's streaming methods as stream
// endpoints.
type StreamEndpoints struct {
	WatchBooks  endpoint.StreamEndpoint
	ImportBooks endpoint.StreamEndpoint
	SyncBooks   endpoint.StreamEndpoint
}

// errNoFeed answers WatchBooks on a Service that is not a Watcher.
var errNoFeed = transport.NewError(http.StatusNotImplemented, "WatchBooks: this instance's store has no change feed")

// MakeStreamEndpoints adapts a Service into StreamEndpoints. WatchBooks
// needs s to be a Watcher and answers 501 (Unimplemented) otherwise;
// ImportBooks and SyncBooks use s's unary methods, so any Service has
// them.
func MakeStreamEndpoints(s Service) StreamEndpoints {
	return StreamEndpoints{
		WatchBooks: endpoint.ServerStream(func(ctx context.Context, _ WatchBooksRequest, out endpoint.Sender[BookEvent]) error {
			w, ok := s.(Watcher)
			if !ok {
				return errNoFeed
			}
			return watch(ctx, w, out)
		}),
		ImportBooks: endpoint.ClientStream(func(ctx context.Context, in endpoint.TypedStream[CreateBookRequest, ImportBooksResponse]) (ImportBooksResponse, error) {
			return importBooks(ctx, s, in)
		}),
		SyncBooks: endpoint.BidiStream(func(ctx context.Context, st endpoint.TypedStream[SyncBooksRequest, SyncBooksResponse]) error {
			return syncBooks(ctx, s, st)
		}),
	}
}

// Wrap returns a copy of e with mw applied to every stream endpoint; mw
// receives the method name.
func (e StreamEndpoints) Wrap(mw func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint) StreamEndpoints {
	return StreamEndpoints{
		WatchBooks:  mw(MethodWatchBooks, e.WatchBooks),
		ImportBooks: mw(MethodImportBooks, e.ImportBooks),
		SyncBooks:   mw(MethodSyncBooks, e.SyncBooks),
	}
}

// watch sends the current books, the caught-up marker, then each change.
// Nothing runs beside the caller's goroutine: Next waits for a change or
// for ctx.
func watch(ctx context.Context, w Watcher, out endpoint.Sender[BookEvent]) error {
	sub := w.Subscribe()
	defer sub.Close()
	for _, b := range sub.Current {
		if err := out.Send(BookEvent{Type: EventExisting, Book: b}); err != nil {
			return err
		}
	}
	sub.Current = nil // sent: let it go
	if err := out.Send(BookEvent{Type: EventCaughtUp}); err != nil {
		return err
	}
	for {
		ev, err := sub.Next(ctx)
		if err != nil {
			return err
		}
		if err := out.Send(ev); err != nil {
			return err
		}
	}
}

// importBooks creates each book it receives and sums up.
func importBooks(ctx context.Context, s Service, in endpoint.TypedStream[CreateBookRequest, ImportBooksResponse]) (ImportBooksResponse, error) {
	var sum ImportBooksResponse
	fail := func(i int, title, msg string) {
		sum.Failed++
		if len(sum.Failures) < MaxImportFailures {
			sum.Failures = append(sum.Failures, ImportFailure{Index: i, Title: title, Message: msg})
		}
	}
	for i := 0; ; i++ {
		r, err := in.Recv()
		if errors.Is(err, io.EOF) {
			return sum, nil
		}
		if err != nil {
			return ImportBooksResponse{}, err
		}
		if i >= MaxImportBooks {
			fail(i, r.Title, fmt.Sprintf("not imported: one call imports at most %d books; send the rest in another call", MaxImportBooks))
			continue
		}
		if _, err := s.CreateBook(ctx, Book{Title: r.Title, Author: r.Author, Year: r.Year}); err != nil {
			if ctx.Err() != nil {
				return ImportBooksResponse{}, context.Cause(ctx)
			}
			fail(i, r.Title, transport.ClientMessage(err))
			continue
		}
		sum.Imported++
	}
}

// syncBooks answers each book the caller names, then sends the books it
// did not name. It remembers only the ids the store holds, so its memory
// is bounded by the store's size, whatever the caller sends.
func syncBooks(ctx context.Context, s Service, st endpoint.TypedStream[SyncBooksRequest, SyncBooksResponse]) error {
	named := make(map[string]struct{})
	for i := 0; ; i++ {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if r.ID == "" {
			return invalid("id: must not be empty (message %d)", i)
		}
		resp := SyncBooksResponse{ID: r.ID}
		b, err := s.GetBook(ctx, r.ID)
		switch {
		case transport.StatusOf(err) == http.StatusNotFound:
			resp.Change = SyncDeleted
		case err != nil:
			return err
		case b.CreateTime.Equal(r.CreateTime):
			named[r.ID] = struct{}{}
			resp.Change = SyncUnchanged
		default:
			named[r.ID] = struct{}{}
			resp.Change, resp.Book = SyncChanged, b
		}
		if err := st.Send(resp); err != nil {
			return err
		}
	}
	token := ""
	for {
		books, next, err := s.ListBooks(ctx, MaxPageSize, token)
		if err != nil {
			return err
		}
		for _, b := range books {
			if _, ok := named[b.ID]; ok {
				continue
			}
			if err := st.Send(SyncBooksResponse{ID: b.ID, Change: SyncAdded, Book: b}); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		token = next
	}
}
