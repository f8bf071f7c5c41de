package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// serve runs h on 127.0.0.1 behind NewHTTPServer (adjusted by tune) until
// the test ends, and returns the base URL.
func serve(t *testing.T, h http.Handler, tune ...func(*http.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := kithttp.NewHTTPServer("", h)
	for _, f := range tune {
		f(srv)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// newClient returns an *http.Client whose connections close with the test.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

type errorReply struct {
	Error     string `json:"error"`
	Status    int    `json:"status"`
	RequestID string `json:"request_id"`
}

// do sends one request and returns the response with its body read.
func do(t *testing.T, c *http.Client, method, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// checkErrorReply asserts the shape every error response has.
func checkErrorReply(t *testing.T, resp *http.Response, body string, status int) errorReply {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var e errorReply
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	if e.Status != status {
		t.Errorf("body status %d, want %d", e.Status, status)
	}
	if e.RequestID == "" || e.RequestID != resp.Header.Get(kithttp.RequestIDHeader) {
		t.Errorf("body request_id %q, header %q: want equal and non-empty", e.RequestID, resp.Header.Get(kithttp.RequestIDHeader))
	}
	if e.Error == "" {
		t.Error("empty error message")
	}
	return e
}

// Book service types used across the tests.
type createBook struct {
	Title  string `json:"title"`
	Author string `json:"author,omitempty"`
	Year   int    `json:"year,omitempty"`
	Shelf  struct {
		Row int `json:"row"`
	} `json:"shelf"`
}

type book struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Year  int    `json:"year,omitempty"`
}

// created is a response that chooses its status and adds a header.
type created struct{ book }

func (created) StatusCode() int { return http.StatusCreated }
func (c created) Headers() http.Header {
	return http.Header{"Location": {"/books/" + c.ID}}
}

// failed is a response carrying a business error.
type failed struct{ Err error }

func (f failed) Failed() error { return f.Err }

// retryErr is an unavailable error after which the client should wait.
type retryErr struct{ d time.Duration }

func (retryErr) Error() string               { return "shedding load" }
func (retryErr) StatusCode() int             { return http.StatusServiceUnavailable }
func (e retryErr) RetryAfter() time.Duration { return e.d }

// authErr is a 401 that adds a challenge header.
type authErr struct{}

func (authErr) Error() string   { return "missing credentials" }
func (authErr) StatusCode() int { return http.StatusUnauthorized }
func (authErr) Headers() http.Header {
	return http.Header{"Www-Authenticate": {`Bearer realm="books"`}}
}

var errSecret = errors.New("pq: password authentication failed for user \"admin\" at 10.0.0.7:5432")

// bookEndpoint answers according to the title it is sent, to drive every
// error mapping through one route.
func bookEndpoint(ctx context.Context, req createBook) (any, error) {
	switch req.Title {
	case "missing":
		return nil, transport.NewError(http.StatusNotFound, "book not found")
	case "secret":
		return nil, errSecret
	case "busy":
		return nil, retryErr{1500 * time.Millisecond}
	case "auth":
		return nil, authErr{}
	case "failer":
		return failed{Err: transport.NewError(http.StatusConflict, "book exists")}, nil
	case "failer-internal":
		return failed{Err: errSecret}, nil
	case "slow":
		<-ctx.Done()
		return nil, ctx.Err()
	case "unencodable":
		return map[string]any{"f": func() {}}, nil
	}
	return created{book{ID: "b1", Title: req.Title, Year: req.Year}}, nil
}
