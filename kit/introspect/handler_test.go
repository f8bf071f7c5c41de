package introspect

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// get performs one request against srv and returns the status, headers and
// body.
func get(t *testing.T, srv *httptest.Server, method, path, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

func serve(t *testing.T, reg *Registry, opts ...HandlerOption) *httptest.Server {
	t.Helper()
	h := NewHandler(reg, opts...)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		_ = h.Close()
		srv.Close()
	})
	return srv
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v in %s", v, err, body)
	}
	return v
}

func TestHandlerResources(t *testing.T) {
	srv := serve(t, fixedRegistry())

	code, hdr, body := get(t, srv, "GET", PathPrefix+"/info", "")
	if code != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("info: %d %q", code, hdr.Get("Content-Type"))
	}
	info := decode[Info](t, body)
	want := fixedInfo()
	want.Protocol = Version
	want.Transports, want.Endpoints = fixedTransports(), fixedEndpoints()
	if !reflect.DeepEqual(info, want) {
		t.Errorf("info:\n got %+v\nwant %+v", info, want)
	}

	_, _, body = get(t, srv, "GET", PathPrefix+"/breakers", "")
	if got := decode[[]Breaker](t, body); !reflect.DeepEqual(got, fixedBreakers()) {
		t.Errorf("breakers (sorted by name):\n got %+v\nwant %+v", got, fixedBreakers())
	}
	_, _, body = get(t, srv, "GET", PathPrefix+"/limiters", "")
	if got := decode[[]Limiter](t, body); !reflect.DeepEqual(got, fixedLimiters()) {
		t.Errorf("limiters:\n got %+v\nwant %+v", got, fixedLimiters())
	}

	_, _, body = get(t, srv, "GET", PathPrefix+"/spans?limit=2", "")
	page := decode[SpanPage](t, body)
	if len(page.Spans) != 2 || page.Spans[0].Cursor != 1 || page.Next != 2 {
		t.Fatalf("first page: %+v", page)
	}
	_, _, body = get(t, srv, "GET", PathPrefix+"/spans?after=2&limit=2", "")
	page = decode[SpanPage](t, body)
	if len(page.Spans) != 1 || page.Spans[0].Cursor != 3 || page.Next != 3 {
		t.Fatalf("second page: %+v", page)
	}
	_, _, body = get(t, srv, "GET", PathPrefix+"/spans?after=3", "")
	if page = decode[SpanPage](t, body); len(page.Spans) != 0 || page.Next != 3 {
		t.Fatalf("past the end: %+v", page)
	}

	code, _, body = get(t, srv, "HEAD", PathPrefix+"/info", "")
	if code != 200 || len(body) != 0 {
		t.Errorf("HEAD info: %d, %d body bytes", code, len(body))
	}
}

func TestHandlerEmptyRegistryHasEmptyLists(t *testing.T) {
	srv := serve(t, NewRegistry(Info{Service: "empty"}))
	for path, want := range map[string]string{
		"/breakers": "[]\n",
		"/limiters": "[]\n",
		"/spans":    `{"spans":[],"next":0,"dropped":0}` + "\n",
	} {
		if _, _, body := get(t, srv, "GET", PathPrefix+path, ""); string(body) != want {
			t.Errorf("%s = %q, want %q", path, body, want)
		}
	}
	_, _, body := get(t, srv, "GET", PathPrefix+"/info", "")
	if !strings.Contains(string(body), `"transports":[],"endpoints":[]`) {
		t.Errorf("info lists should be [] not null: %s", body)
	}
}

// spyLimit records the limit the handler asked for.
type spyLimit struct{ limit int }

func (s *spyLimit) Spans(after uint64, limit int) ([]Span, uint64, uint64) {
	s.limit = limit
	return nil, after, 0
}

func TestHandlerSpanParams(t *testing.T) {
	reg := NewRegistry(Info{})
	spy := &spyLimit{}
	reg.SetSpans(spy)
	srv := serve(t, reg)

	for _, tc := range []struct {
		query string
		limit int
	}{
		{"", DefaultSpanLimit},
		{"?limit=7", 7},
		{"?limit=1000000", MaxSpanLimit},
		{"?after=18446744073709551615&limit=1", 1},
	} {
		code, _, body := get(t, srv, "GET", PathPrefix+"/spans"+tc.query, "")
		if code != 200 || spy.limit != tc.limit {
			t.Errorf("%q: %d %s, limit %d, want 200 and limit %d", tc.query, code, body, spy.limit, tc.limit)
		}
	}

	for _, tc := range []struct{ query, param string }{
		{"?limit=0", "limit"},
		{"?limit=-5", "limit"},
		{"?limit=ten", "limit"},
		{"?limit=99999999999999999999", "limit"},
		{"?after=-1", "after"},
		{"?after=abc", "after"},
		{"?after=18446744073709551616", "after"},
	} {
		code, hdr, body := get(t, srv, "GET", PathPrefix+"/spans"+tc.query, "")
		eb := decode[ErrorBody](t, body)
		if code != 400 || eb.Param != tc.param || eb.Error == "" || hdr.Get("Content-Type") != "application/json" {
			t.Errorf("%q: %d %+v, want 400 naming %q", tc.query, code, eb, tc.param)
		}
	}
}

func TestHandlerNotFoundAndMethod(t *testing.T) {
	srv := serve(t, fixedRegistry())
	for _, path := range []string{"/", "/metrics", PathPrefix, PathPrefix + "/", PathPrefix + "/nope",
		"/debug/kit/v2/info", PathPrefix + "/info/extra"} {
		code, _, body := get(t, srv, "GET", path, "")
		if eb := decode[ErrorBody](t, body); code != 404 || eb.Error == "" {
			t.Errorf("GET %s: %d %+v, want 404 with an error body", path, code, eb)
		}
	}
	for _, tc := range []struct{ method, path, allow string }{
		{"POST", "/info", "GET, HEAD"},
		{"DELETE", "/breakers", "GET, HEAD"},
		{"PUT", "/spans", "GET, HEAD"},
		{"POST", "/events", "GET"},
		{"HEAD", "/events", "GET"},
	} {
		code, hdr, body := get(t, srv, tc.method, PathPrefix+tc.path, "")
		if code != 405 || hdr.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow=%q, want 405 Allow=%q", tc.method, tc.path, code, hdr.Get("Allow"), tc.allow)
		}
		if tc.method != "HEAD" {
			decode[ErrorBody](t, body)
		}
	}
}

func TestHandlerBearerToken(t *testing.T) {
	pr := prometheus.NewRegistry()
	pr.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "probe_total", Help: "x"}))
	srv := serve(t, fixedRegistry(), WithBearerToken("s3cret"), WithMetrics(pr))

	for _, path := range []string{PathPrefix + "/info", PathPrefix + "/events", "/metrics", "/nope"} {
		for _, token := range []string{"", "wrong", "s3cre", "s3cret-and-more"} {
			code, hdr, body := get(t, srv, "GET", path, token)
			if code != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("%s with %q: %d WWW-Authenticate=%q, want 401", path, token, code, hdr.Get("WWW-Authenticate"))
			}
			decode[ErrorBody](t, body)
		}
	}
	if code, _, _ := get(t, srv, "GET", PathPrefix+"/info", "s3cret"); code != 200 {
		t.Errorf("right token: %d", code)
	}
	// The scheme is case-insensitive (RFC 9110 §11.1).
	req, _ := http.NewRequest("GET", srv.URL+PathPrefix+"/limiters", nil)
	req.Header.Set("Authorization", "bearer s3cret")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("lower-case scheme: %d", resp.StatusCode)
	}
	if code, _, body := get(t, srv, "GET", "/metrics", "s3cret"); code != 200 || !strings.Contains(string(body), "probe_total 0") {
		t.Errorf("metrics with token: %d %s", code, body)
	}
}

func TestHandlerMetrics(t *testing.T) {
	pr := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "probe_total", Help: "A probe."})
	pr.MustRegister(c)
	c.Add(3)
	srv := serve(t, fixedRegistry(), WithMetrics(pr))
	code, hdr, body := get(t, srv, "GET", "/metrics", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") ||
		!strings.Contains(string(body), "probe_total 3") {
		t.Errorf("metrics: %d %q\n%s", code, hdr.Get("Content-Type"), body)
	}
	if code, _, _ := get(t, srv, "POST", "/metrics", ""); code != 405 {
		t.Errorf("POST /metrics: %d", code)
	}
}
