package bookstore

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// nullWriter is the cheapest http.ResponseWriter: it keeps the header map
// and the status and drops the body.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) WriteHeader(code int)        { w.code = code }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkHTTPHandler serves GetBook in process through the bare router
// and through the one Start builds (the full chain and its transport hooks,
// logging at Info to io.Discard), so the chain's cost per request can be
// read without loopback's noise.
func BenchmarkHTTPHandler(b *testing.B) {
	store := NewStore()
	book, err := store.CreateBook(context.Background(), Book{Title: "Bench", Author: "Mark"})
	if err != nil {
		b.Fatal(err)
	}
	inst := startWith(b, Config{Service: store, RateLimit: 1e9, Burst: 1e6,
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", NewHTTPHandler(MakeEndpoints(store))},
		{"full", inst.handler},
	} {
		b.Run("chain="+c.name, func(b *testing.B) {
			req, err := http.NewRequest("GET", "http://127.0.0.1/v1/books/"+book.ID, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("User-Agent", "Go-http-client/1.1")
			req.Header.Set("Accept-Encoding", "gzip")
			w := &nullWriter{}
			b.ReportAllocs()
			for b.Loop() {
				w.h, w.code = make(http.Header), 0
				c.h.ServeHTTP(w, req)
				if w.code != 0 && w.code != 200 {
					b.Fatal(w.code)
				}
			}
		})
	}
}
