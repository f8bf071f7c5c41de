package invoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/probes/invoke"
)

// routes reads the instance's route table through the introspection client.
func routes(t *testing.T, inst *bookstore.Instance) []wire.EndpointDoc {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := introspect.New(inst.AdminAddr, introspect.Options{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.Endpoints
}

func httpClient(t *testing.T, inst *bookstore.Instance) *invoke.HTTPClient {
	t.Helper()
	h, err := invoke.NewHTTP(inst.HTTPAddr, routes(t, inst), invoke.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestHTTPUnary(t *testing.T) {
	testutil.NoLeaks(t)
	inst := startBook(t, bookstore.Config{})
	h := httpClient(t, inst)
	ctx := t.Context()
	res, err := h.Invoke(ctx, invoke.Request{Method: "bookstore.CreateBook",
		Body: []byte(`{"title":"Dune","author":"Herbert","year":1965}`), Header: map[string][]string{"x-test": {"1"}}})
	if err != nil || !res.OK() || res.Method != "POST /v1/books" || res.Status != "200 OK" {
		t.Fatalf("create: %+v, %v", res, err)
	}
	var book map[string]any
	if err := json.Unmarshal(res.Body, &book); err != nil || book["title"] != "Dune" {
		t.Fatalf("book %s", res.Body)
	}
	id := book["id"].(string)
	got, err := h.Invoke(ctx, invoke.Request{Method: "GetBook", Body: []byte(`{"id":"` + id + `"}`)})
	if err != nil || !got.OK() || got.Method != "GET /v1/books/"+id || got.RequestBody != nil {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if d := invoke.Diff(res.Body, got.Body, 0); d != nil {
		t.Fatalf("get differs from create: %v", d)
	}
	got, err = h.Invoke(ctx, invoke.Request{Method: "GetBook", PathParams: map[string]string{"id": id}})
	if err != nil || !got.OK() {
		t.Fatalf("get with a path flag: %+v, %v", got, err)
	}
	list, err := h.Invoke(ctx, invoke.Request{Method: "ListBooks", Body: []byte(`{"page_size": 1}`)})
	if err != nil || !list.OK() || !strings.HasSuffix(list.URL, "/v1/books?page_size=1") || !strings.Contains(string(list.Body), `"Dune"`) {
		t.Fatalf("list: %+v, %v", list, err)
	}
	del, err := h.Invoke(ctx, invoke.Request{Method: "DeleteBook", Body: []byte(`{"id":"` + id + `"}`)})
	if err != nil || !del.OK() || del.Method != "DELETE /v1/books/"+id {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	if res.RequestHeader["x-test"][0] != "1" || res.Header["content-type"][0] != "application/json" || len(res.TraceID) != 32 {
		t.Fatalf("headers %v %v", res.RequestHeader, res.Header)
	}
	found := false
	for _, s := range inst.Introspection.Spans(0, 100).Spans {
		found = found || s.TraceID == got.TraceID
	}
	if !found {
		t.Fatalf("no span of trace %s on the server", got.TraceID)
	}
}

func TestHTTPErrors(t *testing.T) {
	testutil.NoLeaks(t)
	inst := startBook(t, bookstore.Config{Middleware: func(m string, next endpoint.Endpoint) endpoint.Endpoint {
		if m != bookstore.MethodListBooks {
			return next
		}
		return func(ctx context.Context, req any) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
	}})
	h := httpClient(t, inst)
	ctx := t.Context()
	for _, tc := range []struct {
		method, body string
		want         error
		msg          string
	}{
		{"GetBok", `{}`, invoke.ErrNoMethod, `no such method "GetBok" in the HTTP routes of ` + inst.HTTPAddr + `; did you mean GetBook?`},
		{"GetBook", `{}`, invoke.ErrBadRequest, `GET /v1/books/{id} needs the path parameter "id"`},
		{"GetBook", `{"id": {"a": 1}}`, invoke.ErrBadRequest, `path parameter "id" of GET /v1/books/{id}: must be a string, number or boolean`},
		{"ListBooks", `{"filter": {"a": 1}}`, invoke.ErrBadRequest, `query parameter "filter"`},
		{"CreateBook", "{\n\"title\": \"x\"\n\"author\": 1}", invoke.ErrBadJSON, "invalid JSON at line 3, column 1"},
	} {
		_, err := h.Invoke(ctx, invoke.Request{Method: tc.method, Body: []byte(tc.body)})
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s %s: %v, want %v containing %q", tc.method, tc.body, err, tc.want, tc.msg)
		}
	}
	res, err := h.Invoke(ctx, invoke.Request{Method: "CreateBook", Body: []byte(`{"title":"x","author":"y","titel":1}`)})
	if err != nil || res.Code != 400 || !strings.Contains(res.Message, `unknown field "titel"`) {
		t.Fatalf("unknown field: %+v, %v", res, err)
	}
	res, err = h.Invoke(ctx, invoke.Request{Method: "GetBook", Body: []byte(`{"id":"404"}`)})
	if err != nil || res.Code != 404 || res.Status != "404 Not Found" || res.Message == "" {
		t.Fatalf("not found: %+v, %v", res, err)
	}
	_, err = h.Invoke(ctx, invoke.Request{Method: "ListBooks", Timeout: 50 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "deadline exceeded after") {
		t.Fatalf("deadline: %v", err)
	}
	dead, err := invoke.NewHTTP(closedAddr(t), routes(t, inst), invoke.HTTPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	if _, err := dead.Invoke(ctx, invoke.Request{Method: "ListBooks"}); !errors.Is(err, invoke.ErrUnreachable) {
		t.Fatalf("closed port: %v", err)
	}
}

func TestHTTPDescribe(t *testing.T) {
	inst := startBook(t, bookstore.Config{})
	h := httpClient(t, inst)
	s, err := h.Describe(t.Context(), "GetBook")
	if err != nil || s.Method != "GET /v1/books/{id}" || string(s.Template) != `{"id":"0000000000000001"}` ||
		len(s.PathParams) != 1 || s.PathParams[0] != "id" || s.Request.Fields[0].Type != "string" || s.Response != nil {
		t.Fatalf("%+v, %v", s, err)
	}
	names, _ := h.Methods(t.Context())
	if strings.Join(names, " ") != "CreateBook DeleteBook GetBook ListBooks" {
		t.Fatalf("methods %v", names)
	}
}
