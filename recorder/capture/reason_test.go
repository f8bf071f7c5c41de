package capture_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
)

// TestGRPCReasonRecorded: the reason of a gRPC error (its ErrorInfo) is
// written to the file, read back, and compared on replay.
func TestGRPCReasonRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reason.kitrec")
	w, err := recorder.Create(path, recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	locked := func(reason string) func(string, endpoint.Endpoint) endpoint.Endpoint {
		return func(m string, next endpoint.Endpoint) endpoint.Endpoint {
			if m != bookstore.MethodGetBook {
				return next
			}
			return func(context.Context, any) (any, error) {
				return nil, &transport.Error{Status: 409, Msg: "book is locked", Reason: reason}
			}
		}
	}
	srv := booktest.Start(t, w, capture.Options{}, locked("book_locked"), booktest.Sync)
	if _, err := bookpb.NewBookServiceClient(srv.Conn).GetBook(t.Context(), &bookpb.GetBookRequest{Id: "1"}); err == nil {
		t.Fatal("GetBook succeeded")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Exchanges) != 1 || s.Header.Minor != recorder.MinorVersion {
		t.Fatalf("%v: %+v", err, s)
	}
	if got := s.Exchanges[0].Response.Reason; got != "book_locked" {
		t.Fatalf("recorded reason %q, want book_locked", got)
	}
	for reason, diffs := range map[string]int{"book_locked": 0, "book_archived": 1} {
		other := booktest.Start(t, nil, capture.Options{}, locked(reason))
		rp, err := recorder.NewReplayer(recorder.GRPCTarget(other.Conn), recorder.ReplayOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := rp.Replay(t.Context(), s)
		if err != nil {
			t.Fatal(err)
		}
		if d := rep.Results[0].Diffs; len(d) != diffs || diffs == 1 && d[0].Path != "reason" {
			t.Errorf("replayed against %s: diffs %v, want %d", reason, d, diffs)
		}
	}
}
