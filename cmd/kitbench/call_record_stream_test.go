package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/recorder"
)

// recJWT is a well-formed token (signed by no one), which recorder's
// policy redacts wherever it is.
var recJWT = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice"}`)) + ".c2lnbmF0dXJlLXNlY3JldA"

// recordedStream reads the session file at path, which must hold one
// stream exchange and no secret, and returns the exchange.
func recordedStream(t *testing.T, path string) recorder.Exchange {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("secret")) || bytes.Contains(raw, []byte(recJWT)) {
		t.Errorf("a secret reached %s:\n%s", filepath.Base(path), raw)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 || len(s.Exchanges) != 1 || s.Header.Tool != "kitbench call" {
		t.Fatalf("%s: %v %v", filepath.Base(path), err, s)
	}
	ex := s.Exchanges[0]
	if ex.Stream == nil {
		t.Fatalf("%s: not a stream exchange: %+v", filepath.Base(path), ex)
	}
	return ex
}

func messageBodies(ms []recorder.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		if m.Body != nil {
			out[i] = string(m.Body.JSON)
		}
	}
	return out
}

// replays runs kitbench replay on the session file at path: it must pass
// against the instance it was recorded from.
func replays(t *testing.T, path string) {
	t.Helper()
	if code, out, errOut := runArgs(t, "replay", path); code != 0 || !strings.Contains(out, "1 passed, 0 failed") {
		t.Errorf("replay %s: exit %d\n%s%s", filepath.Base(path), code, out, errOut)
	}
}

// TestCallRecordStreams records a server stream read up to
// --max-messages, a client stream and a stream ended by --max-time with
// `kitbench call --record`: each file holds one stream exchange with
// every message in order, each way, and the final status; the bearer
// token and the JWT in a message are redacted; each replays against the
// same instance.
func TestCallRecordStreams(t *testing.T) {
	inst := callBook(t, bookstore.Config{})
	addr := inst.GRPCAddr
	for _, b := range []string{`{"book":{"title":"Dune","author":"` + recJWT + `"}}`, `{"book":{"title":"Emma"}}`} {
		if code, _, errOut := runArgs(t, "call", "--target", addr, "bookstore.CreateBook", "-d", b); code != 0 {
			t.Fatalf("create: exit %d: %s", code, errOut)
		}
	}
	dir := t.TempDir()
	watch, imp, timed := filepath.Join(dir, "watch.kitrec"), filepath.Join(dir, "import.kitrec"), filepath.Join(dir, "timed.kitrec")

	code, out, errOut := runArgs(t, "call", "--target", addr, "bookstore.WatchBooks", "--max-messages", "3", "--record", watch, "-H", "authorization: Bearer secret")
	if code != 0 || len(outLines(out)) != 3 {
		t.Fatalf("WatchBooks --record: exit %d, %q, %q", code, out, errOut)
	}
	ex := recordedStream(t, watch)
	got := messageBodies(ex.Response.Messages)
	if ex.Stream.Kind != recorder.StreamServer || !ex.Stream.Cancelled || ex.Response.GRPCCode != 1 || len(ex.Request.Messages) != 1 || len(got) != 3 ||
		!strings.Contains(got[0], `"title":"Dune","author":"`+recorder.Placeholder+`"`) || !strings.Contains(got[1], `"title":"Emma"`) || !strings.Contains(got[2], "TYPE_CAUGHT_UP") {
		t.Errorf("WatchBooks exchange: stream %+v, code %d, %d sent, received %q", ex.Stream, ex.Response.GRPCCode, len(ex.Request.Messages), got)
	}
	if h := ex.Request.Headers["authorization"]; len(h) != 1 || h[0] != recorder.Placeholder {
		t.Errorf("authorization metadata recorded as %q", h)
	}
	for i := 1; i < len(ex.Response.Messages); i++ {
		if ex.Response.Messages[i].Offset < ex.Response.Messages[i-1].Offset || ex.Response.Messages[i].Offset > ex.Duration {
			t.Errorf("message %d at %v, after %v (duration %v)", i, ex.Response.Messages[i].Offset, ex.Response.Messages[i-1].Offset, ex.Duration)
		}
	}

	replays(t, watch)

	code, out, errOut = runArgs(t, "call", "--target", addr, "bookstore.WatchBooks", "--max-time", "300ms", "--record", timed)
	if code != 0 {
		t.Fatalf("WatchBooks --max-time --record: exit %d, %q, %q", code, out, errOut)
	}
	ex = recordedStream(t, timed)
	if ex.Stream.Kind != recorder.StreamServer || !ex.Stream.Cancelled || ex.Response.GRPCCode != 1 ||
		!strings.Contains(ex.Response.GRPCMessage, "stopped by the caller after") || len(ex.Response.Messages) != len(outLines(out)) {
		t.Errorf("--max-time exchange: stream %+v, status %d %q, %d messages for %d printed", ex.Stream, ex.Response.GRPCCode, ex.Response.GRPCMessage, len(ex.Response.Messages), len(outLines(out)))
	}

	replays(t, timed)

	// Last, as it adds books the watches would see.
	code, out, errOut = runArgs(t, "call", "--target", addr, "bookstore.ImportBooks", "--record", imp,
		"-d", `{"book":{"title":"A","author":"`+recJWT+`"}} {"book":{"title":""}} {"book":{"title":"C"}}`)
	if code != 0 || !strings.Contains(out, `"imported_count":2`) {
		t.Fatalf("ImportBooks --record: exit %d, %q, %q", code, out, errOut)
	}
	ex = recordedStream(t, imp)
	sent, got := messageBodies(ex.Request.Messages), messageBodies(ex.Response.Messages)
	if ex.Stream.Kind != recorder.StreamClient || ex.Stream.Cancelled || ex.Response.GRPCCode != 0 || len(sent) != 3 ||
		sent[0] != `{"book":{"title":"A","author":"`+recorder.Placeholder+`"}}` || sent[1] != `{"book":{"title":""}}` || sent[2] != `{"book":{"title":"C"}}` ||
		len(got) != 1 || !strings.Contains(got[0], `"failed_count":1`) {
		t.Errorf("ImportBooks exchange: stream %+v, code %d, sent %q, received %q", ex.Stream, ex.Response.GRPCCode, sent, got)
	}

	replays(t, imp) // it imports A and C again: the same summary
}

// TestCallRecordInterruptedStream: a stream that ctrl+c cancels is
// recorded with what arrived and its cancelled status, not lost, and the
// command still exits 130.
func TestCallRecordInterruptedStream(t *testing.T) {
	testutil.NoLeaks(t)
	addr := streamBook(t)
	file := filepath.Join(t.TempDir(), "s.kitrec")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &cancelOn{want: "CAUGHT_UP", cancel: cancel}
	var errb bytes.Buffer
	if code := run(ctx, []string{"call", "--target", addr, "bookstore.WatchBooks", "--record", file}, out, &errb); code != 130 {
		t.Fatalf("exit %d, %q, %q", code, out.buf.String(), errb.String())
	}
	ex := recordedStream(t, file)
	got := messageBodies(ex.Response.Messages)
	if !ex.Stream.Cancelled || ex.Response.GRPCCode != 1 || len(got) != 3 || !strings.Contains(got[2], "TYPE_CAUGHT_UP") {
		t.Errorf("interrupted exchange: stream %+v, code %d, received %q", ex.Stream, ex.Response.GRPCCode, got)
	}
	replays(t, file)
}
