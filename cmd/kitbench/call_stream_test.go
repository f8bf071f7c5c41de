package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
)

// streamBook runs a Book instance holding Dune and Emma, for --target.
func streamBook(t *testing.T) string {
	t.Helper()
	inst := callBook(t, bookstore.Config{})
	for _, title := range []string{"Dune", "Emma"} {
		if code, _, errOut := runArgs(t, "call", "--target", inst.GRPCAddr, "bookstore.CreateBook", "-d", `{"book":{"title":"`+title+`"}}`); code != 0 {
			t.Fatalf("create %s: exit %d: %s", title, code, errOut)
		}
	}
	return inst.GRPCAddr
}

func outLines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func TestCallServerStream(t *testing.T) {
	addr := streamBook(t)
	code, out, errOut := runArgs(t, "call", "--target", addr, "bookstore.WatchBooks", "--max-messages", "3")
	ls := outLines(out)
	if code != 0 || len(ls) != 3 || !strings.Contains(ls[0], `"title":"Dune"`) || !strings.Contains(ls[2], "TYPE_CAUGHT_UP") || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q: want three JSON lines", code, out, errOut)
	}
	// -o json: an envelope a message, then the call's status.
	code, out, _ = runArgs(t, "call", "--target", addr, "bookstore.WatchBooks", "--max-time", "100ms", "-o", "json")
	ls = outLines(out)
	var msg struct {
		Message int             `json:"message"`
		Body    json.RawMessage `json:"body"`
	}
	var end struct {
		Status string `json:"status"`
		Stream struct {
			Kind     string `json:"kind"`
			Received int    `json:"received"`
			Stopped  string `json:"stopped"`
		} `json:"stream"`
	}
	if code != 0 || len(ls) != 4 || json.Unmarshal([]byte(ls[1]), &msg) != nil || msg.Message != 1 || !strings.Contains(string(msg.Body), "Emma") ||
		json.Unmarshal([]byte(ls[3]), &end) != nil || end.Status != "CANCELLED" || end.Stream.Kind != "server_stream" || end.Stream.Received != 3 || end.Stream.Stopped != "max_time" {
		t.Fatalf("-o json: exit %d, %q", code, out)
	}
	// An explicit --timeout is a deadline, as for unary calls.
	if code, out, errOut := runArgs(t, "call", "--target", addr, "bookstore.WatchBooks", "--timeout", "100ms"); code != 68 || len(outLines(out)) != 3 || !strings.Contains(errOut, "DEADLINE_EXCEEDED") {
		t.Errorf("--timeout: exit %d, %q, %q", code, out, errOut)
	}
}

func TestCallClientAndBidiStreams(t *testing.T) {
	addr := streamBook(t)
	// Several JSON values in -d, JSON lines on stdin: one summary.
	for _, in := range []struct{ data, stdin string }{
		{`{"book":{"title":"A"}} {"book":{"title":""}}` + "\n" + `{"book":{"title":"C"}}`, ""},
		{"@-", "{\"book\":{\"title\":\"A\"}}\n{\"book\":{\"title\":\"\"}}\n{\"book\":{\"title\":\"C\"}}\n"},
	} {
		code, out, errOut := kb(t, in.stdin, "call", "--target", addr, "bookstore.ImportBooks", "-d", in.data)
		if code != 0 || !strings.Contains(out, `"imported_count":2`) || !strings.Contains(out, `"failed_count":1`) || len(outLines(out)) != 1 {
			t.Errorf("-d %s: exit %d, %q, %q", in.data, code, out, errOut)
		}
	}
	code, out, errOut := kb(t, `{"id":"nope"}`+"\n", "call", "--target", addr, "bookstore.SyncBooks", "-d", "@-", "-v")
	ls := outLines(out) // nope is deleted, then the six books (two imported twice) are added
	if code != 0 || len(ls) != 7 || !strings.Contains(ls[0], "CHANGE_DELETED") || !strings.Contains(ls[6], "CHANGE_ADDED") ||
		!strings.Contains(errOut, "stream    bidi_stream, 1 sent, 7 received") {
		t.Errorf("SyncBooks: exit %d, %q, %q", code, out, errOut)
	}
	// A bad second message: its position, exit 1.
	code, _, errOut = kb(t, "{\"id\":\"1\"}\n{\"id\": }\n", "call", "--target", addr, "bookstore.SyncBooks", "-d", "@-")
	if code != 1 || !strings.Contains(errOut, "line 2, column 8") {
		t.Errorf("bad message: exit %d, %q", code, errOut)
	}
}

func TestCallStreamRefusals(t *testing.T) {
	reg := callRegistry(t)
	callBook(t, bookstore.Config{Registry: reg})
	code, _, errOut := runArgs(t, "call", "--consul", reg, "bookstore.WatchBooks", "--all")
	if code != 1 || !strings.Contains(errOut, "server-stream method, and --all compares one answer") {
		t.Errorf("--all: exit %d, %q", code, errOut)
	}
}

// cancelOn is stdout that cancels the command's context once it has
// printed want: a user's ctrl+c at that moment.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	want   string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.want) {
		c.cancel()
	}
	return n, err
}

func TestCallStreamInterrupted(t *testing.T) {
	testutil.NoLeaks(t)
	addr := streamBook(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &cancelOn{want: "CAUGHT_UP", cancel: cancel}
	var errb bytes.Buffer
	code := run(ctx, []string{"call", "--target", addr, "bookstore.WatchBooks"}, out, &errb)
	if code != 130 || len(outLines(out.buf.String())) != 3 || !strings.Contains(errb.String(), "interrupted: the stream was cancelled after 1 messages sent and 3 received") {
		t.Errorf("exit %d, %q, %q", code, out.buf.String(), errb.String())
	}
}
