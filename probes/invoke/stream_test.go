package invoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/probes/invoke"
)

// dialBook starts a Book instance holding the titles and dials it.
func dialBook(t *testing.T, titles ...string) *invoke.GRPCClient {
	t.Helper()
	inst := startBook(t, bookstore.Config{})
	g, err := invoke.DialGRPC(t.Context(), inst.GRPCAddr, invoke.GRPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	for _, title := range titles {
		create(t, g, title)
	}
	return g
}

func create(t *testing.T, g *invoke.GRPCClient, title string) {
	t.Helper()
	res, err := g.Invoke(context.Background(), invoke.Request{Method: "bookstore.CreateBook", Body: []byte(`{"book":{"title":"` + title + `"}}`)})
	if err != nil || !res.OK() {
		t.Fatalf("CreateBook %q: %v %+v", title, err, res)
	}
}

// values is a StreamOptions.Send giving bodies, then io.EOF.
func values(bodies ...string) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) {
		if len(bodies) == 0 {
			return nil, io.EOF
		}
		b := bodies[0]
		bodies = bodies[1:]
		return []byte(b), nil
	}
}

type event struct {
	Type string `json:"type"`
	Book struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"book"`
}

func TestStreamServerLive(t *testing.T) {
	testutil.NoLeaks(t)
	g := dialBook(t, "Dune", "Emma")
	var got []event
	var header map[string][]string
	var started invoke.Kind
	res, err := g.Invoke(t.Context(), invoke.Request{Method: "bookstore.WatchBooks", Stream: invoke.StreamOptions{
		MaxMessages: 4,
		OnStart:     func(k invoke.Kind) { started = k },
		OnHeader:    func(h map[string][]string) { header = h },
		OnReceive: func(m invoke.StreamMessage) error {
			var e event
			if err := json.Unmarshal(m.Body, &e); err != nil || m.Index != len(got) {
				t.Errorf("message %d: %s: %v", m.Index, m.Body, err)
			}
			got = append(got, e)
			if e.Type == "TYPE_CAUGHT_UP" { // a change made now arrives on the open stream
				create(t, g, "Ulysses")
			}
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"TYPE_EXISTING Dune", "TYPE_EXISTING Emma", "TYPE_CAUGHT_UP ", "TYPE_CREATED Ulysses"}
	if len(got) != len(want) {
		t.Fatalf("got %d messages %+v, want %v", len(got), got, want)
	}
	for i, e := range got {
		if s := e.Type + " " + e.Book.Title; s != want[i] {
			t.Errorf("message %d = %q, want %q", i, s, want[i])
		}
	}
	if !res.OK() || res.Status != "CANCELLED" || res.Stream.Stopped != invoke.StoppedMaxMessages || res.Stream.Received != 4 || res.Stream.Sent != 1 || res.Stream.Kind != invoke.ServerStream {
		t.Errorf("result %+v, stream %+v", res, res.Stream)
	}
	if started != invoke.ServerStream {
		t.Errorf("OnStart heard %q", started)
	}
	if header == nil || res.Header == nil {
		t.Errorf("no header metadata: OnHeader %v, Result %v", header, res.Header)
	}
	if res.RequestBody != nil {
		t.Errorf("request body %s, want none (as a unary call without -d)", res.RequestBody)
	}
}

func TestStreamLimitsAndDeadline(t *testing.T) {
	testutil.NoLeaks(t)
	g := dialBook(t, "Dune")
	ctx := t.Context()
	// MaxTime ends a watch that would run forever: a success.
	res, err := g.Invoke(ctx, invoke.Request{Method: "bookstore.WatchBooks", Stream: invoke.StreamOptions{MaxTime: 50 * time.Millisecond}})
	if err != nil || !res.OK() || res.Stream.Stopped != invoke.StoppedMaxTime || res.Stream.Received != 2 {
		t.Errorf("max time: %v %+v %+v", err, res, res.Stream)
	}
	// StreamOptions.Timeout is a deadline: a failure.
	res, err = g.Invoke(ctx, invoke.Request{Method: "bookstore.WatchBooks", Stream: invoke.StreamOptions{Timeout: 50 * time.Millisecond}})
	if err != nil || res.OK() || res.Status != "DEADLINE_EXCEEDED" || res.Stream.Stopped != "" {
		t.Errorf("timeout: %v %+v", err, res)
	}
	// Request.Timeout bounds a unary call, not a stream (the method is
	// resolved already, so nothing else waits on it).
	res, err = g.Invoke(ctx, invoke.Request{Method: "bookstore.WatchBooks", Timeout: 20 * time.Millisecond, Stream: invoke.StreamOptions{MaxTime: 200 * time.Millisecond}})
	if err != nil || res.Stream.Stopped != invoke.StoppedMaxTime {
		t.Errorf("request timeout on a stream: %v %+v", err, res)
	}
	// The caller's cancel ends the stream as CANCELLED, not OK.
	cctx, cancel := context.WithCancel(ctx)
	res, err = g.Invoke(cctx, invoke.Request{Method: "bookstore.WatchBooks", Stream: invoke.StreamOptions{
		OnReceive: func(m invoke.StreamMessage) error {
			if strings.Contains(string(m.Body), "CAUGHT_UP") {
				cancel()
			}
			return nil
		}}})
	if err != nil || res.OK() || res.Status != "CANCELLED" || res.Stream.Received != 2 {
		t.Errorf("cancel: %v %+v", err, res)
	}
}

func TestStreamClient(t *testing.T) {
	testutil.NoLeaks(t)
	g := dialBook(t)
	var sent []string
	res, err := g.Invoke(t.Context(), invoke.Request{Method: "bookstore.ImportBooks", Stream: invoke.StreamOptions{
		ProtoNames: true,
		Send:       values(`{"book":{"title":"A"}}`, `{"book":{"title":""}}`, "{\n \"book\": {\"title\":\"C\"}}"),
		OnSend:     func(m invoke.StreamMessage) { sent = append(sent, string(m.Body)) },
	}})
	if err != nil || !res.OK() {
		t.Fatalf("%v %+v", err, res)
	}
	var sum struct {
		Imported int `json:"imported_count"`
		Failed   int `json:"failed_count"`
	}
	if err := json.Unmarshal(res.Body, &sum); err != nil || sum.Imported != 2 || sum.Failed != 1 {
		t.Errorf("answer %s (%v), want 2 imported and 1 failed", res.Body, err)
	}
	if res.Stream.Sent != 3 || res.Stream.Received != 1 || len(sent) != 3 || sent[2] != `{"book":{"title":"C"}}` {
		t.Errorf("stream %+v, sent %q", res.Stream, sent)
	}
}

// TestStreamBidiInterleaves sends SyncBooks one message at a time, each
// only after the answer to the one before arrived: the two directions
// run at once.
func TestStreamBidiInterleaves(t *testing.T) {
	testutil.NoLeaks(t)
	g := dialBook(t, "Dune", "Emma")
	next := make(chan string, 1)
	next <- `{"id":"nope"}`
	var got []string
	res, err := g.Invoke(t.Context(), invoke.Request{Method: "bookstore.SyncBooks", Stream: invoke.StreamOptions{
		Send: func(ctx context.Context) ([]byte, error) {
			select {
			case b, ok := <-next:
				if !ok {
					return nil, io.EOF
				}
				return []byte(b), nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
		OnReceive: func(m invoke.StreamMessage) error {
			got = append(got, string(m.Body))
			if len(got) == 1 {
				close(next) // the first answer came before the end of what we send
			}
			return nil
		},
	}})
	if err != nil || !res.OK() {
		t.Fatalf("%v %+v", err, res)
	}
	if len(got) != 3 || !strings.Contains(got[0], "CHANGE_DELETED") || !strings.Contains(got[1], "CHANGE_ADDED") {
		t.Errorf("got %q: want nope deleted, then the two books added", got)
	}
	if res.Stream.Sent != 1 || res.Stream.Received != 3 || res.Stream.Kind != invoke.BidiStream {
		t.Errorf("stream %+v", res.Stream)
	}
}

func TestStreamBadMessageEndsTheCall(t *testing.T) {
	testutil.NoLeaks(t)
	g := dialBook(t)
	_, err := g.Invoke(t.Context(), invoke.Request{Method: "bookstore.SyncBooks", Stream: invoke.StreamOptions{
		Send: values(`{"id":"1"}`, `{"id": }`),
	}})
	if !errors.Is(err, invoke.ErrBadJSON) || !strings.Contains(err.Error(), "message 2") || !strings.Contains(err.Error(), "line 1, column 8") {
		t.Errorf("err = %v, want message 2's bad JSON with its position", err)
	}
	boom := errors.New("stdin broke")
	_, err = g.Invoke(t.Context(), invoke.Request{Method: "bookstore.ImportBooks", Stream: invoke.StreamOptions{
		Send: func(context.Context) ([]byte, error) { return nil, boom },
	}})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the source's error", err)
	}
	_, err = g.Invoke(t.Context(), invoke.Request{Method: "bookstore.WatchBooks", Stream: invoke.StreamOptions{
		OnReceive: func(invoke.StreamMessage) error { return boom },
	}})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the receiver's error", err)
	}
}

// TestStreamOneRequestFromSend: a unary or server-streaming call takes
// its one request from Send when Body is nil, and refuses a second.
func TestStreamOneRequestFromSend(t *testing.T) {
	testutil.NoLeaks(t)
	g := dialBook(t, "Dune")
	res, err := g.Invoke(t.Context(), invoke.Request{Method: "bookstore.ListBooks", Stream: invoke.StreamOptions{Send: values(`{"page_size":1}`)}})
	if err != nil || !res.OK() || res.Stream != nil || !strings.Contains(string(res.Body), "Dune") {
		t.Errorf("unary from Send: %v %+v", err, res)
	}
	for _, m := range []string{"bookstore.ListBooks", "bookstore.WatchBooks"} {
		_, err = g.Invoke(t.Context(), invoke.Request{Method: m, Stream: invoke.StreamOptions{Send: values(`{}`, `{}`)}})
		if !errors.Is(err, invoke.ErrBadRequest) || !strings.Contains(err.Error(), "takes one request message") {
			t.Errorf("%s with two messages: %v", m, err)
		}
	}
	for m, want := range map[string]invoke.Kind{"GetBook": invoke.Unary, "WatchBooks": invoke.ServerStream, "ImportBooks": invoke.ClientStream, "SyncBooks": invoke.BidiStream} {
		if k, err := g.Kind(t.Context(), "bookstore."+m); k != want || err != nil {
			t.Errorf("Kind(%s) = %q, %v; want %q", m, k, err, want)
		}
	}
}
