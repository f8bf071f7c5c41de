package bookstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
)

func TestStoreCRUD(t *testing.T) {
	ctx := context.Background()
	s := NewStore()
	b, err := s.CreateBook(ctx, Book{Title: "  Dune ", Author: "Herbert", Year: 1965})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == "" || b.Title != "Dune" || b.CreateTime.IsZero() {
		t.Fatalf("created %+v", b)
	}
	got, err := s.GetBook(ctx, b.ID)
	if err != nil || got != b {
		t.Fatalf("get: %+v %v", got, err)
	}
	if err := s.DeleteBook(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetBook(ctx, b.ID); !errors.Is(err, ErrNotFound) || transport.StatusOf(err) != 404 {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.DeleteBook(ctx, b.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestStoreValidation(t *testing.T) {
	s := NewStore()
	long := make([]byte, MaxTitleLen+1)
	for i := range long {
		long[i] = 'x'
	}
	for _, b := range []Book{{}, {Title: "   "}, {Title: string(long)}, {Title: "\xff"}, {Title: "ok", Year: -1}} {
		_, err := s.CreateBook(context.Background(), b)
		if transport.StatusOf(err) != 400 {
			t.Errorf("%q: err %v, want a 400", b.Title, err)
		}
	}
	for _, tc := range []struct {
		size  int
		token string
	}{{-1, ""}, {MaxPageSize + 1, ""}, {0, "!!"}, {0, "YWJj"}} {
		if _, _, err := s.ListBooks(context.Background(), tc.size, tc.token); transport.StatusOf(err) != 400 {
			t.Errorf("list %d %q: err %v, want a 400", tc.size, tc.token, err)
		}
	}
}

func TestStorePaging(t *testing.T) {
	ctx := context.Background()
	s := NewStore()
	for i := range 45 {
		if _, err := s.CreateBook(ctx, Book{Title: fmt.Sprint("book ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Delete one in the middle: paging must neither skip nor repeat.
	if err := s.DeleteBook(ctx, fmt.Sprintf("%016d", 21)); err != nil {
		t.Fatal(err)
	}
	var seen []string
	token := ""
	pages := 0
	for {
		books, next, err := s.ListBooks(ctx, 20, token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, b := range books {
			seen = append(seen, b.Title)
		}
		if next == "" {
			break
		}
		token = next
	}
	if pages != 3 || len(seen) != 44 || seen[0] != "book 0" || seen[43] != "book 44" {
		t.Fatalf("pages %d, %d books, first %q last %q", pages, len(seen), seen[0], seen[len(seen)-1])
	}
	for _, title := range seen {
		if title == "book 20" {
			t.Fatal("deleted book listed")
		}
	}
}

func TestStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	s := NewStore()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				b, err := s.CreateBook(ctx, Book{Title: fmt.Sprint(w, "-", i)})
				if err != nil {
					t.Error(err)
					return
				}
				if _, _, err := s.ListBooks(ctx, 5, ""); err != nil {
					t.Error(err)
				}
				if i%2 == 0 {
					_ = s.DeleteBook(ctx, b.ID)
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for token := ""; ; {
		books, next, err := s.ListBooks(ctx, MaxPageSize, token)
		if err != nil {
			t.Fatal(err)
		}
		total += len(books)
		if next == "" {
			break
		}
		token = next
	}
	if total != 8*100 {
		t.Fatalf("%d books left, want 800", total)
	}
}

func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	e := MakeEndpoints(NewStore())
	resp, err := e.CreateBook(ctx, CreateBookRequest{Title: "T"})
	if err != nil {
		t.Fatal(err)
	}
	id := resp.(Book).ID
	if got, err := e.GetBook(ctx, &GetBookRequest{ID: id}); err != nil || got.(Book).Title != "T" {
		t.Fatalf("get: %v %v", got, err)
	}
	if got, err := e.ListBooks(ctx, ListBooksRequest{}); err != nil || len(got.(ListBooksResponse).Books) != 1 {
		t.Fatalf("list: %v %v", got, err)
	}
	if _, err := e.DeleteBook(ctx, DeleteBookRequest{ID: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.GetBook(ctx, "wrong"); err == nil {
		t.Fatal("wrong request type accepted")
	}
}
