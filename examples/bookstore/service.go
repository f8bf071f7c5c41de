package bookstore

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kitbench/kitbench/kit/transport"
)

// ServiceName is the name the Book service registers under in discovery.
const ServiceName = "bookstore"

// Book is one book in the store.
type Book struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Author     string    `json:"author"`
	Year       int32     `json:"year,omitempty"`
	CreateTime time.Time `json:"create_time"`
}

// Limits on what the store accepts.
const (
	MaxTitleLen     = 512
	MaxAuthorLen    = 256
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Service is the Book service's business logic.
type Service interface {
	CreateBook(ctx context.Context, b Book) (Book, error)
	GetBook(ctx context.Context, id string) (Book, error)
	// ListBooks returns up to pageSize books (0 means DefaultPageSize) after
	// the position pageToken names ("" for the first page), and the token of
	// the next page ("" on the last).
	ListBooks(ctx context.Context, pageSize int, pageToken string) ([]Book, string, error)
	DeleteBook(ctx context.Context, id string) error
}

// Errors the service returns; they carry their HTTP status.
var (
	ErrNotFound = transport.NewError(http.StatusNotFound, "book not found")
)

// Store is the in-memory Service, with a change feed (Subscribe). The zero
// value is not usable; use NewStore.
type Store struct {
	mu    sync.RWMutex
	seq   uint64
	books map[string]Book
	order []string // ids in creation order (ids sort the same way)
	now   func() time.Time
	feed  feed // guarded by mu
}

// StoreOption configures a Store.
type StoreOption func(*Store)

// WatchBuffer sets how many changes each subscriber may have waiting
// before the store drops it (see Subscribe); n <= 0 means
// DefaultWatchBuffer.
func WatchBuffer(n int) StoreOption {
	return func(s *Store) {
		if n > 0 {
			s.feed.buffer = n
		}
	}
}

// NewStore returns an empty store.
func NewStore(opts ...StoreOption) *Store {
	s := &Store{books: make(map[string]Book), now: time.Now, feed: feed{buffer: DefaultWatchBuffer}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func invalid(format string, args ...any) error {
	return transport.NewError(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// CreateBook stores a new book and returns it with its id and create time.
func (s *Store) CreateBook(_ context.Context, b Book) (Book, error) {
	b.Title = strings.TrimSpace(b.Title)
	b.Author = strings.TrimSpace(b.Author)
	switch {
	case b.Title == "":
		return Book{}, invalid("title: must not be empty")
	case !utf8.ValidString(b.Title) || len(b.Title) > MaxTitleLen:
		return Book{}, invalid("title: must be valid UTF-8 of at most %d bytes", MaxTitleLen)
	case !utf8.ValidString(b.Author) || len(b.Author) > MaxAuthorLen:
		return Book{}, invalid("author: must be valid UTF-8 of at most %d bytes", MaxAuthorLen)
	case b.Year < 0 || b.Year > 9999:
		return Book{}, invalid("year: must be between 0 and 9999")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	b.ID = fmt.Sprintf("%016d", s.seq)
	b.CreateTime = s.now().UTC().Truncate(time.Millisecond)
	s.books[b.ID] = b
	s.order = append(s.order, b.ID)
	s.feed.publish(BookEvent{Type: EventCreated, Book: b})
	return b, nil
}

// GetBook returns the book with the given id, or ErrNotFound.
func (s *Store) GetBook(_ context.Context, id string) (Book, error) {
	s.mu.RLock()
	b, ok := s.books[id]
	s.mu.RUnlock()
	if !ok {
		return Book{}, ErrNotFound
	}
	return b, nil
}

// ListBooks implements Service.
func (s *Store) ListBooks(_ context.Context, pageSize int, pageToken string) ([]Book, string, error) {
	switch {
	case pageSize < 0 || pageSize > MaxPageSize:
		return nil, "", invalid("page_size: must be between 0 and %d", MaxPageSize)
	case pageSize == 0:
		pageSize = DefaultPageSize
	}
	after := ""
	if pageToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(pageToken)
		if err != nil || len(raw) != 16 {
			return nil, "", invalid("page_token: not a token this service issued")
		}
		if _, err := strconv.ParseUint(string(raw), 10, 64); err != nil {
			return nil, "", invalid("page_token: not a token this service issued")
		}
		after = string(raw)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := sort.SearchStrings(s.order, after)
	if start < len(s.order) && s.order[start] == after {
		start++
	}
	end := min(start+pageSize, len(s.order))
	books := make([]Book, 0, end-start)
	for _, id := range s.order[start:end] {
		books = append(books, s.books[id])
	}
	next := ""
	if end < len(s.order) {
		next = base64.RawURLEncoding.EncodeToString([]byte(s.order[end-1]))
	}
	return books, next, nil
}

// DeleteBook removes the book with the given id, or returns ErrNotFound.
func (s *Store) DeleteBook(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.books[id]
	if !ok {
		return ErrNotFound
	}
	delete(s.books, id)
	i := sort.SearchStrings(s.order, id)
	s.order = append(s.order[:i], s.order[i+1:]...)
	s.feed.publish(BookEvent{Type: EventDeleted, Book: b})
	return nil
}
