package workbench

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

func TestLiveStreamBidi(t *testing.T) {
	testutil.NoLeaks(t)
	inst := book(t, bookstore.Config{})
	c := NewCaller(CallerOptions{Keep: true})
	defer c.Close()
	ctx := t.Context()
	cands := []sd.Instance{registered(inst)}
	if _, err := c.Call(ctx, "bookstore", cands, invoke.Request{Method: "bookstore.CreateBook", Body: []byte(`{"book":{"title":"Dune"}}`)}); err != nil {
		t.Fatal(err)
	}
	call, s, err := c.Start(ctx, "bookstore", cands, invoke.Request{Method: "bookstore.SyncBooks", Body: []byte(`{"id":"nope"}`)})
	if err != nil || call != nil || s == nil || s.Kind() != "bidi_stream" {
		t.Fatalf("Start: %v %v %v", call, s, err)
	}
	if b, _, ok := s.Next(ctx); !ok || !strings.Contains(string(b), "CHANGE_DELETED") {
		t.Fatalf("answer to the first message: %s %v", b, ok)
	}
	if err := s.Send(ctx, []byte(`{"id":"gone"}`)); err != nil {
		t.Fatal(err)
	}
	if b, _, ok := s.Next(ctx); !ok || !strings.Contains(string(b), `"gone"`) {
		t.Fatalf("answer to the sent message: %s %v", b, ok)
	}
	s.CloseSend()
	if err := s.Send(ctx, []byte(`{}`)); !errors.Is(err, ErrHalfClosed) && !errors.Is(err, ErrEnded) {
		t.Errorf("send after CloseSend: %v", err)
	}
	if b, _, ok := s.Next(ctx); !ok || !strings.Contains(string(b), "CHANGE_ADDED") {
		t.Fatalf("after the half-close: %s %v", b, ok)
	}
	if _, _, ok := s.Next(ctx); ok {
		t.Fatal("a message after the end")
	}
	end, err := s.End()
	if err != nil || !end.Result.OK() || end.Result.Stream.Sent != 2 || end.Result.Stream.Received != 3 {
		t.Fatalf("End: %v %+v", err, end)
	}
	// A unary method answers at once.
	if call, s, err := c.Start(ctx, "bookstore", cands, invoke.Request{Method: "bookstore.ListBooks", Body: []byte(`{}`)}); err != nil || s != nil || !call.Result.OK() {
		t.Errorf("unary Start: %v %v %v", call, s, err)
	}
}

// TestLiveStreamCancelAndClose: Cancel ends a stream as CANCELLED, and
// Close cancels what is still open, so nothing outlives the dashboard.
func TestLiveStreamCancelAndClose(t *testing.T) {
	testutil.NoLeaks(t)
	inst := book(t, bookstore.Config{})
	c := NewCaller(CallerOptions{Keep: true})
	cands := []sd.Instance{registered(inst)}
	ctx := t.Context()
	_, s, err := c.Start(ctx, "bookstore", cands, invoke.Request{Method: "bookstore.WatchBooks", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, []byte(`{}`)); !errors.Is(err, ErrNoSending) {
		t.Errorf("send on a server stream: %v", err)
	}
	s.Cancel()
	for _, _, ok := s.Next(context.Background()); ok; _, _, ok = s.Next(context.Background()) {
	}
	if end, err := s.End(); err != nil || end.Result.Status != "CANCELLED" || end.Result.OK() {
		t.Errorf("cancelled: %v %+v", err, end)
	}
	_, s, err = c.Start(ctx, "bookstore", cands, invoke.Request{Method: "bookstore.WatchBooks", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, _, ok := s.Next(context.Background()); ok; _, _, ok = s.Next(context.Background()) {
	} // what was on its way, then the end
	if end, err := s.End(); err != nil || end.Result.Status != "CANCELLED" {
		t.Errorf("closed: %v %+v", err, end)
	}
}
