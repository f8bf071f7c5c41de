package bookstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A 5xx's cause reaches the log with the request id the client was sent;
// a 4xx is not logged.
func TestLogHTTPErrorsTiesCauseToRequestID(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	e := func(_ context.Context, req any) (any, error) {
		if r := req.(*GetBookRequest); r.ID == "missing" {
			return nil, transport.NewError(http.StatusNotFound, "no such book")
		}
		return nil, errors.New("db: connection to 10.1.2.3 reset")
	}
	srv := kithttp.NewServer(e, kithttp.JSONDecoder[GetBookRequest](), kithttp.EncodeJSONResponse,
		kithttp.ServerErrorHandler(LogHTTPErrors(log)))
	mux := http.NewServeMux()
	mux.Handle("GET /v1/books/{id}", srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := kithttp.NewHTTPServer("", mux)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	get := func(id string) *http.Response {
		resp, err := http.Get("http://" + ln.Addr().String() + "/v1/books/" + id)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	resp := get("b1")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	get("missing")

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("logged %d lines, want 1 (the 500 only):\n%s", len(lines), logs.String())
	}
	var rec struct {
		RequestID string `json:"request_id"`
		Status    int    `json:"status"`
		Err       string `json:"err"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	if want := resp.Header.Get(kithttp.RequestIDHeader); rec.RequestID == "" || rec.RequestID != want {
		t.Errorf("logged request id %q, the client was sent %q", rec.RequestID, want)
	}
	if rec.Status != 500 || !strings.Contains(rec.Err, "10.1.2.3") {
		t.Errorf("logged %+v, want status 500 and the cause", rec)
	}
}
