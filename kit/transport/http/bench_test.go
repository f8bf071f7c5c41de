package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
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
// (NewHTTPServer) over 127.0.0.1: one keep-alive connection, sequential
// requests, sent by a minimal client (benchutil.Wire) that allocates nothing, so
// allocs/op is the server's.
func BenchmarkLoopback(b *testing.B) {
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			c := dialWire(b, serveLoopback(b, impl.h()))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.RoundTrip(); err != nil {
					b.Fatal(err)
				}
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

func init() {
	for _, impl := range impls {
		h := impl.h
		benchutil.Register("http-"+impl.name, func(ln net.Listener) error {
			return kithttp.NewHTTPServer("", h()).Serve(ln)
		})
	}
}

func TestMain(m *testing.M) { benchutil.Main(m) }

// wireLoad sends n requests over conns keep-alive connections, n/conns
// (and the remainder) each, and returns the first error.
func wireLoad(conns []*benchutil.Wire, n int) error {
	errs := make(chan error, len(conns))
	for i, c := range conns {
		share := n / len(conns)
		if i < n%len(conns) {
			share++
		}
		go func() {
			for range share {
				if err := c.RoundTrip(); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range conns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// BenchmarkServerCPU measures the server's own CPU time per request
// (server-ns/op): each handler runs behind NewHTTPServer in a child process
// and b.N requests arrive over 4 keep-alive connections. This is the
// comparison that resolves small differences on a noisy machine. impl=kit
// is measured in turns with a raw child (benchutil.ReportPairedServerCPU),
// which also reports server-cpu-ratio: kit's CPU over raw's for the same
// requests, a figure that does not drift with the machine.
func BenchmarkServerCPU(b *testing.B) {
	start := func(b *testing.B, name string) (*benchutil.Child, []*benchutil.Wire) {
		child := benchutil.StartChild(b, "http-"+name)
		conns := make([]*benchutil.Wire, 4)
		for i := range conns {
			conns[i] = dialWire(b, child.Addr)
		}
		// Warm both processes up (connections, heaps, stacks) first: a
		// cold client paces requests differently, which changes the
		// server's CPU per request and would favour whichever impl runs
		// second.
		if err := wireLoad(conns, 1000); err != nil {
			b.Fatal(err)
		}
		return child, conns
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			child, conns := start(b, impl.name)
			b.ReportAllocs()
			if impl.name == "raw" {
				benchutil.ReportServerCPU(b, child, func() {
					if err := wireLoad(conns, b.N); err != nil {
						b.Fatal(err)
					}
				})
				return
			}
			base, baseConns := start(b, "raw")
			wires := map[*benchutil.Child][]*benchutil.Wire{child: conns, base: baseConns}
			benchutil.ReportPairedServerCPU(b, child, base, func(to *benchutil.Child, n int) error {
				return wireLoad(wires[to], n)
			})
		})
	}
}

// dialWire connects a benchutil.Wire posting the benchmark's body.
func dialWire(tb testing.TB, addr string) *benchutil.Wire {
	return benchutil.DialWire(tb, addr, "/books", benchBody)
}
