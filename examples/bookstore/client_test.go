package bookstore

import (
	"context"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
)

func TestClientsRoundTrip(t *testing.T) {
	inst := start(t, nil)
	httpClient, err := NewHTTPClient("http://" + inst.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]Endpoints{
		"grpc": NewGRPCClient(dialGRPC(t, inst.GRPCAddr)),
		"http": httpClient,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			resp, err := e.CreateBook(ctx, CreateBookRequest{Title: "Via " + name, Year: 2001})
			if err != nil {
				t.Fatal(err)
			}
			b := resp.(Book)
			if b.ID == "" || b.Title != "Via "+name || b.CreateTime.IsZero() {
				t.Fatalf("created %+v", b)
			}
			got, err := e.GetBook(ctx, &GetBookRequest{ID: b.ID})
			if err != nil || got.(Book) != b {
				t.Fatalf("get: %+v %v, want %+v", got, err, b)
			}
			page, err := e.ListBooks(ctx, ListBooksRequest{PageSize: 100})
			if err != nil || len(page.(ListBooksResponse).Books) == 0 {
				t.Fatalf("list: %+v %v", page, err)
			}
			if _, err := e.DeleteBook(ctx, DeleteBookRequest{ID: b.ID}); err != nil {
				t.Fatal(err)
			}
			// Errors keep their meaning across the wire.
			if _, err := e.GetBook(ctx, GetBookRequest{ID: b.ID}); transport.StatusOf(err) != 404 {
				t.Fatalf("get deleted: %v (status %d)", err, transport.StatusOf(err))
			}
			if _, err := e.CreateBook(ctx, CreateBookRequest{}); transport.StatusOf(err) != 400 {
				t.Fatalf("create empty: %v (status %d)", err, transport.StatusOf(err))
			}
			if _, err := e.GetBook(ctx, 42); err == nil {
				t.Fatal("wrong request type accepted")
			}
		})
	}
}

func TestNewHTTPClientBadURL(t *testing.T) {
	for _, base := range []string{"", "localhost:8080", "::"} {
		if _, err := NewHTTPClient(base); err == nil {
			t.Errorf("%q accepted", base)
		}
	}
}
