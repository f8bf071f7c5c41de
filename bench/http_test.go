package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"testing"

	gokitendpoint "github.com/go-kit/kit/endpoint"
	gokithttp "github.com/go-kit/kit/transport/http"
	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// The HTTP comparison: a small JSON request decoded, a domain call, a small
// JSON response encoded, served by kit's transport/http with its own JSON
// codec (impl=kit), by go-kit v0.13.0's transport/http with the decoder a
// go-kit user writes and go-kit's EncodeJSONResponse (impl=gokit), and by a
// plain net/http handler (impl=raw). Loopback runs put each handler behind
// the same *http.Server (kithttp.NewHTTPServer).

type httpCreate struct {
	Title  string `json:"title"`
	Author string `json:"author"`
	Year   int    `json:"year"`
}

type httpBook struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Author string `json:"author"`
	Year   int    `json:"year"`
}

const httpBody = `{"title":"The Go Programming Language","author":"Donovan and Kernighan","year":2015}`

func httpCreateBook(_ context.Context, r httpCreate) (httpBook, error) {
	return httpBook{ID: "b-1", Title: r.Title, Author: r.Author, Year: r.Year}, nil
}

func gokitDecodeCreate(_ context.Context, r *http.Request) (any, error) {
	var req httpCreate
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return nil, err
	}
	return req, nil
}

var httpImpls = []struct {
	name    string
	handler func() http.Handler
}{
	{"kit", func() http.Handler {
		return kithttp.NewServer(endpoint.Typed(httpCreateBook), kithttp.DecodeJSONRequest[httpCreate], kithttp.EncodeJSONResponse)
	}},
	{"gokit", func() http.Handler {
		return gokithttp.NewServer(gokitendpoint.Endpoint(endpoint.Typed(httpCreateBook)), gokitDecodeCreate, gokithttp.EncodeJSONResponse)
	}},
	{"raw", func() http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req httpCreate
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			resp, err := httpCreateBook(r.Context(), req)
			if err != nil {
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(resp)
		})
	}},
}

// httpWriter is a reusable ResponseWriter, so the in-process harness
// allocates nothing of its own per request.
type httpWriter struct {
	h    http.Header
	code int
}

func (w *httpWriter) Header() http.Header         { return w.h }
func (w *httpWriter) WriteHeader(c int)           { w.code = c }
func (w *httpWriter) Write(p []byte) (int, error) { return len(p), nil }

type httpReqBody struct{ bytes.Reader }

func (*httpReqBody) Close() error { return nil }

// BenchmarkHTTPServeHTTP calls ServeHTTP in-process on a reused request
// and writer: only the handler's own work is measured.
func BenchmarkHTTPServeHTTP(b *testing.B) {
	payload := []byte(httpBody)
	for _, impl := range httpImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			h := impl.handler()
			body := new(httpReqBody)
			r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/books", nil)
			if err != nil {
				b.Fatal(err)
			}
			w := &httpWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				body.Reset(payload)
				r.Body = body
				r.ContentLength = int64(len(payload))
				clear(w.h)
				w.code = 0
				h.ServeHTTP(w, r)
				if w.code != 0 && w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// BenchmarkHTTPLoopback sends sequential requests over one keep-alive
// connection on 127.0.0.1 with a minimal client (benchutil.Wire) that allocates
// nothing, so allocs/op is the server's.
func BenchmarkHTTPLoopback(b *testing.B) {
	for _, impl := range httpImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := kithttp.NewHTTPServer("", impl.handler())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = srv.Serve(ln)
			}()
			b.Cleanup(func() {
				_ = srv.Close()
				<-done
			})
			c := benchutil.DialWire(b, ln.Addr().String(), "/books", httpBody)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.RoundTrip(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
