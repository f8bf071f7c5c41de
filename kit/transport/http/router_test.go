package http_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

type getBook struct {
	ID      string `path:"id"`
	Edition int    `path:"edition" json:"edition"`
	Fields  string `json:"fields"`
}

func newBookRouter(t *testing.T) *kithttp.Router {
	t.Helper()
	rt := kithttp.NewRouter()
	get := kithttp.NewServer(endpoint.Typed(func(_ context.Context, r getBook) (getBook, error) { return r, nil }),
		kithttp.JSONDecoder[getBook](), kithttp.EncodeJSONResponse)
	for _, r := range []struct {
		name, method, pattern string
		h                     http.Handler
	}{
		{"CreateBook", "POST", "/books", bookServer()},
		{"GetBook", "GET", "/books/{id}", get},
		{"GetEdition", "GET", "/books/{id}/editions/{edition}", get},
		{"DeleteBook", "DELETE", "/books/{id}", get},
	} {
		if err := rt.Handle(r.name, r.method, r.pattern, r.h); err != nil {
			t.Fatal(err)
		}
	}
	return rt
}

func TestRouter(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, newBookRouter(t))
	c := newClient(t)

	resp, body := do(t, c, "GET", base+"/books/b7", "")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"ID":"b7","edition":0,"fields":""}` {
		t.Errorf("GET /books/b7: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, c, "GET", base+"/books/b7/editions/3", `{"fields":"title"}`)
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"ID":"b7","edition":3,"fields":"title"}` {
		t.Errorf("path and body together: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, c, "GET", base+"/books/b7/editions/third", "")
	e := checkErrorReply(t, resp, body, 400)
	if !strings.Contains(e.Error, `path parameter "edition": "third" is not a valid integer`) {
		t.Errorf("bad path parameter message %q", e.Error)
	}
	if resp, _ = do(t, c, "HEAD", base+"/books/b7", ""); resp.StatusCode != 200 {
		t.Errorf("HEAD on a GET route: %d", resp.StatusCode)
	}

	resp, body = do(t, c, "GET", base+"/authors", "")
	e = checkErrorReply(t, resp, body, 404)
	if e.Error != "no route for GET /authors" {
		t.Errorf("404 message %q", e.Error)
	}
	resp, body = do(t, c, "PUT", base+"/books/b7", `{}`)
	e = checkErrorReply(t, resp, body, 405)
	allow := resp.Header.Get("Allow")
	for _, m := range []string{"GET", "HEAD", "DELETE"} {
		if !strings.Contains(allow, m) {
			t.Errorf("Allow %q lacks %s", allow, m)
		}
	}
	if !strings.Contains(e.Error, "method PUT not allowed") {
		t.Errorf("405 message %q", e.Error)
	}
	resp, body = do(t, c, "GET", base+"/nowhere", "", kithttp.RequestIDHeader, "trace-1")
	if e := checkErrorReply(t, resp, body, 404); e.RequestID != "trace-1" {
		t.Errorf("404 request id %q, want the caller's", e.RequestID)
	}
}

func TestRouterEndpoints(t *testing.T) {
	rt := newBookRouter(t)
	got := rt.Endpoints()
	for i := range got { // the shapes are TestRouterPublishesTypes's
		got[i].Request, got[i].Response, got[i].RequestExample = nil, nil, nil
	}
	want := []introspect.EndpointDoc{
		{Name: "CreateBook", Transport: "http", HTTPMethod: "POST", HTTPPath: "/books"},
		{Name: "GetBook", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books/{id}"},
		{Name: "GetEdition", Transport: "http", HTTPMethod: "GET", HTTPPath: "/books/{id}/editions/{edition}"},
		{Name: "DeleteBook", Transport: "http", HTTPMethod: "DELETE", HTTPPath: "/books/{id}"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Endpoints() = %+v\nwant %+v", got, want)
	}
	got[0].Name = "changed"
	if rt.Endpoints()[0].Name != "CreateBook" {
		t.Error("Endpoints returned the Router's own slice")
	}
}

func TestRouterHandleErrors(t *testing.T) {
	rt := newBookRouter(t)
	h := http.NotFoundHandler()
	for _, tc := range []struct{ name, method, pattern string }{
		{"", "GET", "/x"},
		{"X", "", "/x"},
		{"X", "GE T", "/x"},
		{"X", "GET", "x"},
		{"X", "GET", "/x/{bad"},
		{"Dup", "GET", "/books/{other}"}, // conflicts with GET /books/{id}
	} {
		err := rt.Handle(tc.name, tc.method, tc.pattern, h)
		if !errors.Is(err, kithttp.ErrBadRoute) {
			t.Errorf("Handle(%q, %q, %q) = %v, want ErrBadRoute", tc.name, tc.method, tc.pattern, err)
		}
	}
	if err := rt.Handle("X", "GET", "/x", nil); !errors.Is(err, kithttp.ErrBadRoute) {
		t.Errorf("nil handler: %v", err)
	}
	if n := len(rt.Endpoints()); n != 4 {
		t.Errorf("%d endpoints after failed registrations, want 4", n)
	}
}

// TestRouterPassesThrough checks what the Router must leave alone: a
// route's own 404 keeps its body, a route's handler gets the server's
// ResponseWriter (so ResponseController can flush it), and ServeMux's
// redirect to a cleaned path reaches the client with its Location.
func TestRouterPassesThrough(t *testing.T) {
	testutil.NoLeaks(t)
	rt := kithttp.NewRouter()
	handle := func(name, pattern string, h http.HandlerFunc) {
		t.Helper()
		if err := rt.Handle(name, "GET", pattern, h); err != nil {
			t.Fatal(err)
		}
	}
	handle("Missing", "/shelf/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Shelf", r.PathValue("id"))
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("no such shelf"))
	})
	handle("Stream", "/stream", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("first"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			_, _ = w.Write([]byte(" flush failed: " + err.Error()))
		}
	})
	base := serve(t, rt)
	c := newClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, body := do(t, c, "GET", base+"/shelf/s9", "")
	if resp.StatusCode != 404 || body != "no such shelf" || resp.Header.Get("X-Shelf") != "s9" {
		t.Errorf("a route's own 404 was changed: %d %q X-Shelf=%q", resp.StatusCode, body, resp.Header.Get("X-Shelf"))
	}
	if resp, body = do(t, c, "GET", base+"/stream", ""); resp.StatusCode != 200 || body != "first" {
		t.Errorf("a route's handler could not flush: %d %q", resp.StatusCode, body)
	}
	resp, _ = do(t, c, "GET", base+"/shelf//s9/../s10", "")
	if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/shelf/s10" {
		t.Errorf("cleaned-path redirect: %d Location=%q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestRouterAddsNoAllocation checks that routing through a Router
// allocates no more than routing through a bare ServeMux.
func TestRouterAddsNoAllocation(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	rt := kithttp.NewRouter()
	if err := rt.Handle("Get", "GET", "/books/{id}", h); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /books/{id}", h)
	req, err := http.NewRequest("GET", "http://127.0.0.1/books/b7", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &codeWriter{}
	count := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() {
			w.code = 0
			h.ServeHTTP(w, req)
			if w.code != 204 {
				t.Fatalf("status %d, want 204", w.code)
			}
		})
	}
	if got, want := count(rt), count(mux); got > want {
		t.Errorf("Router: %.0f allocations per request, ServeMux: %.0f", got, want)
	}
}

// codeWriter is a ResponseWriter that keeps only the status.
type codeWriter struct {
	h    http.Header
	code int
}

func (w *codeWriter) Header() http.Header {
	if w.h == nil {
		w.h = make(http.Header)
	}
	return w.h
}
func (w *codeWriter) WriteHeader(code int)        { w.code = code }
func (w *codeWriter) Write(b []byte) (int, error) { return len(b), nil }
