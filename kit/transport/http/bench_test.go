package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// The workload of every comparison: a small JSON request decoded, a
// service call, a small JSON response encoded — what a CRUD endpoint does.
type benchRequest struct {
	Title  string `json:"title"`
	Author string `json:"author"`
	Year   int    `json:"year"`
}

type benchResponse struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Author string `json:"author"`
	Year   int    `json:"year"`
}

const benchBody = `{"title":"The Go Programming Language","author":"Donovan and Kernighan","year":2015}`

func benchService(_ context.Context, req benchRequest) (benchResponse, error) {
	return benchResponse{ID: "b-1", Title: req.Title, Author: req.Author, Year: req.Year}, nil
}

// kitHandler is the kit way: no hand-written codec.
func kitHandler() http.Handler {
	return kithttp.NewServer(endpoint.Typed(benchService), kithttp.DecodeJSONRequest[benchRequest], kithttp.EncodeJSONResponse)
}

// rawHandler is the idiomatic net/http baseline doing the same work.
func rawHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req benchRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := benchService(r.Context(), req)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
}

var impls = []struct {
	name string
	h    func() http.Handler
}{{"kit", kitHandler}, {"raw", rawHandler}}

// benchWriter is a reusable ResponseWriter, so the harness allocates
// nothing per request.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(c int)   { w.code = c }
func (w *benchWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

type benchBodyReader struct{ bytes.Reader }

func (*benchBodyReader) Close() error { return nil }

// BenchmarkServeHTTP is the in-process comparison: ServeHTTP on a reused
// request and writer, so only the handler's own work is measured.
func BenchmarkServeHTTP(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			h := impl.h()
			body := new(benchBodyReader)
			r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/books", nil)
			if err != nil {
				b.Fatal(err)
			}
			w := &benchWriter{h: make(http.Header)}
			payload := []byte(benchBody)
			b.ReportAllocs()
			for b.Loop() {
				body.Reset(payload)
				r.Body = body
				r.ContentLength = int64(len(benchBody))
				clear(w.h)
				w.code, w.n = 0, 0
				h.ServeHTTP(w, r)
				if w.code != 0 && w.code != http.StatusOK {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

// BenchmarkLoopback compares the handlers behind identical http.Servers
// (NewHTTPServer) over 127.0.0.1, one keep-alive connection, sequential
// requests. allocs/op counts the client too (the same for both).
func BenchmarkLoopback(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			addr := serveLoopback(b, impl.h())
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			b.Cleanup(client.CloseIdleConnections)
			url := "http://" + addr + "/books"
			b.ReportAllocs()
			for b.Loop() {
				postOnce(b, client, url)
			}
		})
	}
}

func serveLoopback(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := kithttp.NewHTTPServer("", h)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	tb.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

func postOnce(tb testing.TB, client *http.Client, url string) {
	resp, err := client.Post(url, "application/json", strings.NewReader(benchBody))
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("status %d", resp.StatusCode)
	}
}

func init() {
	for _, impl := range impls {
		h := impl.h
		benchutil.Register("http-"+impl.name, func(ln net.Listener) error {
			return kithttp.NewHTTPServer("", h()).Serve(ln)
		})
	}
}

func TestMain(m *testing.M) { benchutil.Main(m) }

// BenchmarkServerCPU measures the server's own CPU time per request
// (server-ns/op): each handler runs behind NewHTTPServer in a child process
// and b.N requests arrive over 4 keep-alive connections. This is the
// comparison that resolves small differences on a noisy machine.
func BenchmarkServerCPU(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			child := benchutil.StartChild(b, "http-"+impl.name)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			b.Cleanup(client.CloseIdleConnections)
			url := "http://" + child.Addr + "/books"
			post := func(int) error {
				resp, err := client.Post(url, "application/json", strings.NewReader(benchBody))
				if err != nil {
					return err
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			}
			// Warm both processes up (connections, heaps, stacks) first: a
			// cold client paces requests differently, which changes the
			// server's CPU per request and would favour whichever impl runs
			// second.
			if err := benchutil.Spread(1000, 4, post); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			benchutil.ReportServerCPU(b, child, func() {
				err := benchutil.Spread(b.N, 4, post)
				if err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
