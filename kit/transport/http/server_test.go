package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

func bookServer(opts ...kithttp.ServerOption) *kithttp.Server {
	return kithttp.NewServer(endpoint.Typed(bookEndpoint), kithttp.DecodeJSONRequest[createBook], kithttp.EncodeJSONResponse, opts...)
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestServerHappyPath(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer())
	c := newClient(t)

	resp, body := do(t, c, "POST", base+"/books", `{"title":"Dune","year":1965}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201 (chosen by the response); body %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Location"); got != "/books/b1" {
		t.Errorf("Location %q, want /books/b1 (from the response's Headers)", got)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var b book
	if err := json.Unmarshal([]byte(body), &b); err != nil || b != (book{ID: "b1", Title: "Dune", Year: 1965}) {
		t.Errorf("body %s decoded to %+v, %v", body, b, err)
	}
	if id := resp.Header.Get(kithttp.RequestIDHeader); !generatedID.MatchString(id) {
		t.Errorf("generated request id %q, want 16 hex digits", id)
	}
	resp2, _ := do(t, c, "POST", base+"/books", `{"title":"Dune"}`)
	if resp2.Header.Get(kithttp.RequestIDHeader) == resp.Header.Get(kithttp.RequestIDHeader) {
		t.Error("two requests got the same generated id")
	}
}

func TestServerRequestIDFromCaller(t *testing.T) {
	testutil.NoLeaks(t)
	var seen []string
	var mu sync.Mutex
	before := func(ctx context.Context, _ *http.Request) context.Context {
		mu.Lock()
		seen = append(seen, kithttp.RequestIDFromContext(ctx))
		mu.Unlock()
		return ctx
	}
	base := serve(t, bookServer(kithttp.ServerBefore(before)))
	c := newClient(t)
	for _, tc := range []struct {
		sent string
		kept bool
	}{
		{"req-42.abc", true},
		{strings.Repeat("x", 128), true},
		{strings.Repeat("x", 129), false},
		{"has space", false},
		{"caf\xc3\xa9", false},
	} {
		resp, _ := do(t, c, "POST", base+"/books", `{"title":"x"}`, kithttp.RequestIDHeader, tc.sent)
		got := resp.Header.Get(kithttp.RequestIDHeader)
		if tc.kept && got != tc.sent {
			t.Errorf("sent id %q, response has %q; want it kept", tc.sent, got)
		}
		if !tc.kept && !generatedID.MatchString(got) {
			t.Errorf("sent id %q, response has %q; want a generated one", tc.sent, got)
		}
		mu.Lock()
		last := seen[len(seen)-1]
		mu.Unlock()
		if last != got {
			t.Errorf("context had id %q, response header %q", last, got)
		}
	}
}

func TestServerErrorMapping(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer(kithttp.ServerMaxBodyBytes(256), kithttp.ServerTimeout(50*time.Millisecond)))
	c := newClient(t)
	for _, tc := range []struct {
		name, body string
		status     int
		msgHas     string
		header     [2]string
	}{
		{"malformed", `{"title": nope}`, 400, "malformed JSON at byte 12: invalid character", [2]string{}},
		{"truncated", `{"title": "Dune"`, 400, "truncated JSON", [2]string{}},
		{"wrong type", `{"title":"Dune","year":"1965"}`, 400, `field "year": got JSON string, want integer`, [2]string{}},
		{"wrong nested type", `{"title":"Dune","shelf":{"row":true}}`, 400, `field "shelf.row"`, [2]string{}},
		{"wrong top type", `["Dune"]`, 400, "got JSON array, want object", [2]string{}},
		{"unknown field", `{"title":"Dune","isbn":"x"}`, 400, `unknown field "isbn"`, [2]string{}},
		{"trailing data", `{"title":"Dune"} {}`, 400, "unexpected data after the JSON value at byte 16", [2]string{}},
		{"empty body", ``, 400, "request body is empty", [2]string{}},
		{"status coder", `{"title":"missing"}`, 404, "book not found", [2]string{}},
		{"failer", `{"title":"failer"}`, 409, "book exists", [2]string{}},
		{"internal", `{"title":"secret"}`, 500, "Internal Server Error", [2]string{}},
		{"failer internal", `{"title":"failer-internal"}`, 500, "Internal Server Error", [2]string{}},
		{"unencodable response", `{"title":"unencodable"}`, 500, "Internal Server Error", [2]string{}},
		{"retry after", `{"title":"busy"}`, 503, "Service Unavailable", [2]string{"Retry-After", "2"}},
		{"headerer", `{"title":"auth"}`, 401, "missing credentials", [2]string{"Www-Authenticate", `Bearer realm="books"`}},
		{"server deadline", `{"title":"slow"}`, 504, "Gateway Timeout", [2]string{}},
		{"too large", `{"title":"` + strings.Repeat("a", 300) + `"}`, 413, "larger than 256 bytes", [2]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, c, "POST", base+"/books", tc.body)
			e := checkErrorReply(t, resp, body, tc.status)
			if tc.status < 500 && !strings.Contains(e.Error, tc.msgHas) {
				t.Errorf("message %q does not contain %q", e.Error, tc.msgHas)
			}
			if tc.status >= 500 && e.Error != tc.msgHas {
				t.Errorf("message %q, want the generic %q", e.Error, tc.msgHas)
			}
			if strings.Contains(body, "password") || strings.Contains(body, "10.0.0.7") || strings.Contains(body, "func()") {
				t.Errorf("body leaks the internal error: %s", body)
			}
			if tc.header[0] != "" && resp.Header.Get(tc.header[0]) != tc.header[1] {
				t.Errorf("header %s = %q, want %q", tc.header[0], resp.Header.Get(tc.header[0]), tc.header[1])
			}
		})
	}
}

// A chunked body has no Content-Length to refuse up front: the limit is
// enforced while reading.
func TestServerBodyLimitWhileReading(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer(kithttp.ServerMaxBodyBytes(256)))
	c := newClient(t)
	req, err := http.NewRequest("POST", base+"/books", strings.NewReader(`{"title":"`+strings.Repeat("a", 4096)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // forces chunked encoding
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e errorReply
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 413 || e.Status != 413 {
		t.Fatalf("status %d (body %d), want 413", resp.StatusCode, e.Status)
	}
	if !resp.Close {
		t.Error("a 413 should close the connection: the rest of the body was not read")
	}
}

func TestServerDefaultBodyLimit(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, bookServer())
	c := newClient(t)
	big := `{"title":"` + strings.Repeat("a", 4<<20) + `"}`
	resp, body := do(t, c, "POST", base+"/books", big)
	checkErrorReply(t, resp, body, 413)
	resp, body = do(t, c, "POST", base+"/books", `{"title":"`+strings.Repeat("a", 4<<20-32)+`"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a body just under 4 MiB got %d: %.200s", resp.StatusCode, body)
	}
}

func TestServerHooksAndFinalizer(t *testing.T) {
	testutil.NoLeaks(t)
	type key struct{}
	var (
		mu    sync.Mutex
		codes []int
		trail []string
	)
	before := func(ctx context.Context, r *http.Request) context.Context {
		return context.WithValue(ctx, key{}, r.Header.Get("X-Tenant"))
	}
	after := func(ctx context.Context, w http.ResponseWriter) context.Context {
		w.Header().Set("X-Tenant-Seen", ctx.Value(key{}).(string))
		return ctx
	}
	final := func(ctx context.Context, code int, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		codes = append(codes, code)
		trail = append(trail, kithttp.RequestIDFromContext(ctx))
	}
	base := serve(t, bookServer(kithttp.ServerBefore(before), kithttp.ServerAfter(after), kithttp.ServerFinalizer(final)))
	c := newClient(t)
	resp, _ := do(t, c, "POST", base+"/books", `{"title":"Dune"}`, "X-Tenant", "acme")
	if got := resp.Header.Get("X-Tenant-Seen"); got != "acme" {
		t.Errorf("after hook saw tenant %q, want acme (set by the before hook)", got)
	}
	resp2, _ := do(t, c, "POST", base+"/books", `{"title":"missing"}`)
	mu.Lock()
	defer mu.Unlock()
	if len(codes) != 2 || codes[0] != 201 || codes[1] != 404 {
		t.Errorf("finalizer codes %v, want [201 404]", codes)
	}
	if len(trail) == 2 && (trail[0] != resp.Header.Get(kithttp.RequestIDHeader) || trail[1] != resp2.Header.Get(kithttp.RequestIDHeader)) {
		t.Errorf("finalizer ids %v do not match the responses", trail)
	}
}

func TestServerNilParts(t *testing.T) {
	testutil.NoLeaks(t)
	base := serve(t, kithttp.NewServer(nil, nil, nil))
	resp, body := do(t, newClient(t), "POST", base+"/", `{}`)
	checkErrorReply(t, resp, body, 500)
}
