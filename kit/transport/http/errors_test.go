package http_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// internalText is what a wrapped error's chain may hold and a client must
// never see: a query, an internal host, a password.
const internalText = "SELECT title FROM books WHERE id=7 on db-3.internal:5432 (password=hunter2)"

// Over a real loopback server: a raw gRPC status from a handler keeps its
// meaning (NotFound is 404 with its own message), and a wrapped client
// error sends only its own client-safe text, never the chain around it.
func TestErrorStatusAndClientText(t *testing.T) {
	testutil.NoLeaks(t)
	errs := map[string]error{
		"/raw-notfound":     status.Error(codes.NotFound, "no book 7"),
		"/wrapped-notfound": fmt.Errorf("%s: %w", internalText, status.Error(codes.NotFound, "no book 7")),
		"/raw-precondition": status.Error(codes.FailedPrecondition, "shelf is locked"),
		"/wrapped-4xx":      fmt.Errorf("%s: %w", internalText, transport.NewError(http.StatusConflict, "book exists")),
		"/cause-only":       &transport.Error{Status: http.StatusBadRequest, Err: errors.New(internalText)},
		"/raw-internal":     status.Error(codes.Internal, internalText),
	}
	srv := kithttp.NewServer(func(ctx context.Context, req any) (any, error) {
		return nil, errs[req.(string)]
	}, func(_ context.Context, r *http.Request) (any, error) { return r.URL.Path, nil }, kithttp.EncodeJSONResponse)
	base := serve(t, srv)
	c := newClient(t)
	for _, tc := range []struct {
		path   string
		status int
		msg    string
	}{
		{"/raw-notfound", 404, "no book 7"},
		{"/wrapped-notfound", 404, "no book 7"},
		{"/raw-precondition", 412, "shelf is locked"},
		{"/wrapped-4xx", 409, "book exists"},
		{"/cause-only", 400, "Bad Request"},
		{"/raw-internal", 500, "Internal Server Error"},
	} {
		resp, body := do(t, c, http.MethodGet, base+tc.path, "")
		e := checkErrorReply(t, resp, body, tc.status)
		if e.Error != tc.msg {
			t.Errorf("%s: message %q, want %q", tc.path, e.Error, tc.msg)
		}
		if strings.Contains(body, "hunter2") || strings.Contains(body, "db-3") {
			t.Errorf("%s: internal text reached the client: %s", tc.path, body)
		}
	}
}
