package workbench

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// streamJWT is a well-formed token (signed by no one): recorder's policy
// redacts it wherever it is, here in a book's author.
var streamJWT = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice"}`)) + ".c2lnbmF0dXJlLXNlY3JldA"

// streamBooks runs a Book instance holding Dune (whose author is a JWT)
// and Emma, and returns it as registered.
func streamBooks(t *testing.T) sd.Instance {
	t.Helper()
	in := registered(book(t, bookstore.Config{InstanceID: "book-1"}))
	c := NewCaller(CallerOptions{})
	for _, b := range []string{`{"book":{"title":"Dune","author":"` + streamJWT + `"}}`, `{"book":{"title":"Emma"}}`} {
		if _, err := c.Call(t.Context(), "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.CreateBook", Body: []byte(b)}); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

// recordCalls appends calls to a new session file and returns its path
// and its text.
func recordCalls(t *testing.T, calls ...*Call) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.kitrec")
	rec, err := AppendTo(path, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if err := rec.Record(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, string(raw)
}

// readOne reads back the one exchange of the session file at path.
func readOne(t *testing.T, path string) recorder.Exchange {
	t.Helper()
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 1 {
		t.Fatalf("read back: %v %v, %d exchanges", err, s.Errors, len(s.Exchanges))
	}
	return s.Exchanges[0]
}

// bodies are the JSON bodies of ms, in order.
func bodies(ms []recorder.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		if m.Body != nil {
			out[i] = string(m.Body.JSON)
		}
	}
	return out
}

// inOrder checks that ms's offsets grow and fall within d.
func inOrder(t *testing.T, dir string, ms []recorder.Message, d time.Duration) {
	t.Helper()
	for i, m := range ms {
		if m.Offset < 0 || m.Offset > d || i > 0 && m.Offset < ms[i-1].Offset {
			t.Errorf("%s message %d at %v (duration %v, previous %v)", dir, i, m.Offset, d, ms[max(i-1, 0)].Offset)
		}
	}
}

// replayed replays the session file at path against where it was
// recorded, and fails the test unless every exchange passed.
func replayed(t *testing.T, path string) {
	t.Helper()
	r, err := Replay(t.Context(), path, ReplayOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Verdict(t.Context()); err != nil || r.Report.Passed != len(r.Session.Exchanges) {
		for _, res := range r.Report.Results {
			t.Logf("%s: %v %+v", res.Name, res.Err, res.Diffs)
		}
		t.Fatalf("replay: %v, %d passed", err, r.Report.Passed)
	}
}

// TestRecordServerStream records a WatchBooks read up to three messages:
// the exchange holds the request and each answer in order with their
// times, the metadata, and the status of a stream the caller stopped;
// the secrets are redacted in the file, and the session replays against
// the same instance, and fails once the books have changed.
func TestRecordServerStream(t *testing.T) {
	testutil.NoLeaks(t)
	in := streamBooks(t)
	c := NewCaller(CallerOptions{Record: true})
	call, err := c.Call(t.Context(), "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.WatchBooks",
		Header: map[string][]string{"authorization": {"Bearer secret"}}, Stream: invoke.StreamOptions{MaxMessages: 3}})
	if err != nil || call.Result.Stream == nil || call.Result.Stream.Received != 3 {
		t.Fatalf("WatchBooks: %v %+v", err, call)
	}
	path, raw := recordCalls(t, call)
	if strings.Contains(raw, "secret") || strings.Contains(raw, streamJWT) || strings.Count(raw, recorder.Placeholder) < 2 {
		t.Errorf("a secret reached the file, or was not redacted in metadata and message:\n%s", raw)
	}
	ex := readOne(t, path)
	if ex.Stream == nil || ex.Stream.Kind != recorder.StreamServer || !ex.Stream.Cancelled || ex.Response.GRPCCode != 1 ||
		ex.Endpoint != "WatchBooks" || ex.Request.GRPCMethod != "/bookstore.v1.BookService/WatchBooks" || ex.Target != in.Meta[sd.MetaGRPC] ||
		ex.Instance != "book-1" || !ex.Time.Equal(call.Result.Start) || ex.Duration != call.Result.Duration || ex.Request.Body != nil || ex.Response.Body != nil {
		t.Errorf("exchange %+v, stream %+v", ex, ex.Stream)
	}
	if h := ex.Request.Headers["authorization"]; len(h) != 1 || h[0] != recorder.Placeholder {
		t.Errorf("authorization metadata recorded as %q", h)
	}
	if len(ex.Response.Headers["content-type"]) == 0 {
		t.Errorf("response headers %v: want the server's", ex.Response.Headers)
	}
	got := bodies(ex.Response.Messages)
	if len(ex.Request.Messages) != 1 || len(got) != 3 || !strings.Contains(got[0], `"title":"Dune"`) || !strings.Contains(got[0], `"author":"`+recorder.Placeholder) ||
		!strings.Contains(got[0], `"create_time"`) || !strings.Contains(got[1], `"title":"Emma"`) || !strings.Contains(got[2], "TYPE_CAUGHT_UP") {
		t.Fatalf("request messages %q, response messages %q", bodies(ex.Request.Messages), got)
	}
	inOrder(t, "request", ex.Request.Messages, ex.Duration)
	inOrder(t, "response", ex.Response.Messages, ex.Duration)
	if ex.Request.Messages[0].Offset > ex.Response.Messages[0].Offset {
		t.Errorf("the request at %v, after the first answer at %v", ex.Request.Messages[0].Offset, ex.Response.Messages[0].Offset)
	}

	replayed(t, path)
	// Replay compares the messages as a sequence: with a third book, the
	// third message is that book, not the end of the existing ones.
	if _, err := c.Call(t.Context(), "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.CreateBook", Body: []byte(`{"book":{"title":"Zed"}}`)}); err != nil {
		t.Fatal(err)
	}
	r, err := Replay(t.Context(), path, ReplayOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if d := r.Report.Results[0].Diffs; r.Report.Failed != 1 || len(d) == 0 || !strings.HasPrefix(d[0].Path, "$.messages[2]") {
		t.Errorf("replay with a third book: %d failed, %+v", r.Report.Failed, d)
	}
}

// TestRecordClientStream records an ImportBooks of three books, one
// refused: the three client messages in the order sent, then the one
// summary, status OK; the JWT in a message is redacted; it replays.
func TestRecordClientStream(t *testing.T) {
	testutil.NoLeaks(t)
	in := streamBooks(t)
	msgs := []string{`{"book":{"title":"A","author":"` + streamJWT + `"}}`, `{"book":{"title":""}}`, `{"book":{"title":"C"}}`}
	next := 0
	send := func(context.Context) ([]byte, error) {
		if next == len(msgs) {
			return nil, io.EOF
		}
		next++
		return []byte(msgs[next-1]), nil
	}
	c := NewCaller(CallerOptions{Record: true})
	call, err := c.Call(t.Context(), "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.ImportBooks", Stream: invoke.StreamOptions{Send: send}})
	if err != nil || !call.Result.OK() {
		t.Fatalf("ImportBooks: %v %+v", err, call)
	}
	path, raw := recordCalls(t, call)
	if strings.Contains(raw, streamJWT) {
		t.Errorf("the JWT in a message reached the file:\n%s", raw)
	}
	ex := readOne(t, path)
	sent, got := bodies(ex.Request.Messages), bodies(ex.Response.Messages)
	if ex.Stream == nil || ex.Stream.Kind != recorder.StreamClient || ex.Stream.Cancelled || ex.Response.GRPCCode != 0 ||
		len(sent) != 3 || sent[0] != `{"book":{"title":"A","author":"`+recorder.Placeholder+`"}}` || sent[1] != msgs[1] || sent[2] != msgs[2] ||
		len(got) != 1 || !strings.Contains(got[0], `"imported_count":2`) || !strings.Contains(got[0], `"failed_count":1`) {
		t.Fatalf("exchange %+v: sent %q, got %q", ex.Stream, sent, got)
	}
	inOrder(t, "request", ex.Request.Messages, ex.Duration)
	if last, answer := ex.Request.Messages[2].Offset, ex.Response.Messages[0].Offset; last > answer {
		t.Errorf("the last book sent at %v, after the summary at %v", last, answer)
	}
	replayed(t, path)
}

// TestRecordCancelledStreams: a stream ended by --max-time, and one the
// dashboard cancels (LiveStream), are recorded with what passed and
// their CANCELLED status, marked cancelled, not lost; both replay.
func TestRecordCancelledStreams(t *testing.T) {
	testutil.NoLeaks(t)
	in := streamBooks(t)
	c := NewCaller(CallerOptions{Record: true, Keep: true})
	defer c.Close()
	timed, err := c.Call(t.Context(), "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.WatchBooks", Body: []byte(`{}`),
		Stream: invoke.StreamOptions{MaxTime: 300 * time.Millisecond}})
	if err != nil || timed.Result.Stream.Stopped != invoke.StoppedMaxTime {
		t.Fatalf("WatchBooks --max-time: %v %+v", err, timed)
	}

	_, s, err := c.Start(t.Context(), "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.SyncBooks", Body: []byte(`{"id":"nope"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if b, _, ok := s.Next(t.Context()); !ok || !strings.Contains(string(b), "CHANGE_DELETED") {
		t.Fatalf("SyncBooks: %s %v", b, ok)
	}
	if err := s.Send(t.Context(), []byte(`{"id":"gone"}`)); err != nil {
		t.Fatal(err)
	}
	if b, _, ok := s.Next(t.Context()); !ok || !strings.Contains(string(b), `"gone"`) {
		t.Fatalf("SyncBooks: %s %v", b, ok)
	}
	s.Cancel()
	for _, _, ok := s.Next(context.Background()); ok; _, _, ok = s.Next(context.Background()) {
	}
	live, err := s.End()
	if err != nil || live.Result.Status != "CANCELLED" {
		t.Fatalf("cancelled SyncBooks: %v %+v", err, live)
	}

	for _, tc := range []struct {
		call       *Call
		kind       string
		sent, recv int
	}{{timed, recorder.StreamServer, 1, timed.Result.Stream.Received}, {live, recorder.StreamBidi, 2, 2}} {
		path, _ := recordCalls(t, tc.call)
		ex := readOne(t, path)
		if ex.Stream == nil || ex.Stream.Kind != tc.kind || !ex.Stream.Cancelled || ex.Response.GRPCCode != 1 ||
			len(ex.Request.Messages) != tc.sent || len(ex.Response.Messages) != tc.recv {
			t.Errorf("%s: stream %+v, code %d, %d sent, %d received", ex.Endpoint, ex.Stream, ex.Response.GRPCCode, len(ex.Request.Messages), len(ex.Response.Messages))
			continue
		}
		replayed(t, path)
	}
}

// A stream called without CallerOptions.Record kept no messages: its
// exchange is refused, not written with none.
func TestStreamWithoutRecordHasNoExchange(t *testing.T) {
	in := streamBooks(t)
	c := NewCaller(CallerOptions{})
	call, err := c.Call(t.Context(), "bookstore", []sd.Instance{in}, invoke.Request{Method: "bookstore.WatchBooks", Stream: invoke.StreamOptions{MaxMessages: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Exchange(*call); !errors.Is(err, ErrUnkeptStream) || !strings.Contains(err.Error(), "WatchBooks is a server-stream method") {
		t.Errorf("Exchange: %v", err)
	}
}
