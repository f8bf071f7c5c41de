package grpc_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/transport"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Over a real loopback server: a raw gRPC status from a handler keeps its
// code, and a wrapped client error sends only its own client-safe text,
// never the chain around it.
func TestErrorCodeAndClientText(t *testing.T) {
	testutil.NoLeaks(t)
	const internal = "SELECT title FROM books WHERE id=7 on db-3.internal:5432 (password=hunter2)"
	sh := newShelf()
	sh.errs["raw"] = status.Error(codes.NotFound, "no book 7")
	sh.errs["wrapped4xx"] = fmt.Errorf("%s: %w", internal, transport.NewError(404, "no book 7"))
	sh.errs["causeOnly"] = &transport.Error{Status: 409, Err: errors.New(internal)}
	sh.errs["joined"] = errors.Join(errors.New(internal), transport.NewError(403, "not your shelf"))
	cli := bookpb.NewBookServiceClient(serveBooks(t, sh))
	for _, tc := range []struct {
		id   string
		code codes.Code
		msg  string
	}{
		{"raw", codes.NotFound, "no book 7"},
		{"wrapped4xx", codes.NotFound, "no book 7"},
		{"causeOnly", codes.AlreadyExists, "Conflict"},
		{"joined", codes.PermissionDenied, "not your shelf"},
	} {
		_, err := cli.GetBook(t.Context(), &bookpb.GetBookRequest{Id: tc.id})
		st := status.Convert(err)
		if st.Code() != tc.code || st.Message() != tc.msg {
			t.Errorf("%s: got %v %q, want %v %q", tc.id, st.Code(), st.Message(), tc.code, tc.msg)
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "db-3") {
			t.Errorf("%s: internal text reached the client: %v", tc.id, err)
		}
	}
}
