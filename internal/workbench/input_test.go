package workbench

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/probes/invoke"
)

func TestInputRequest(t *testing.T) {
	file := filepath.Join(t.TempDir(), "book.json")
	if err := os.WriteFile(file, []byte(`{"id":"from file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) { return map[string]string{"TOKEN": "s3cret"}[k], k == "TOKEN" }
	stdin := strings.NewReader(`{"id":"from stdin"}`)
	for data, want := range map[string]string{`{"id":"inline"}`: `{"id":"inline"}`, "@" + file: `{"id":"from file"}`, "": ""} {
		req, err := Input{Data: data}.Request("bookstore.GetBook", stdin, env)
		if err != nil || string(req.Body) != want || req.Method != "bookstore.GetBook" {
			t.Errorf("-d %s: %q, %v", data, req.Body, err)
		}
	}
	// Standard input is read as the call sends: one value at a time.
	req, err := Input{Data: "@-"}.Request("m", stdin, env)
	if err != nil || req.Body != nil {
		t.Fatalf("-d @-: body %q, %v", req.Body, err)
	}
	if b, err := req.Stream.Send(t.Context()); string(b) != `{"id":"from stdin"}` || err != nil {
		t.Errorf("-d @-: first value %q, %v", b, err)
	}
	if _, err := req.Stream.Send(t.Context()); !errors.Is(err, io.EOF) {
		t.Errorf("-d @-: after the last value: %v", err)
	}
	// --all and --print-* read it whole, before the first call.
	req, err = Input{Data: "@-", All: true}.Request("m", strings.NewReader(`{"a":1}`), env)
	if err != nil || string(req.Body) != `{"a":1}` {
		t.Errorf("-d @- --all: %q, %v", req.Body, err)
	}
	req, err = Input{Headers: []string{"authorization: Bearer ${TOKEN}"}, PathParams: []string{"id=7", "shelf=a=b"}, Timeout: time.Second}.Request("m", nil, env)
	if err != nil || req.Header["authorization"][0] != "Bearer s3cret" || req.PathParams["id"] != "7" || req.PathParams["shelf"] != "a=b" || req.Timeout != time.Second {
		t.Errorf("request %+v, %v", req, err)
	}
	if _, err := (Input{Data: "@" + file + ".missing"}).Request("m", nil, env); !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "-d @") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := (Input{Headers: []string{"x: ${UNSET}"}}).Request("m", nil, env); !errors.Is(err, invoke.ErrUnsetVariable) {
		t.Errorf("unset variable: %v", err)
	}
	if _, err := (Input{PathParams: []string{"=7"}}).Request("m", nil, env); err == nil || !strings.HasPrefix(err.Error(), "-p ") {
		t.Errorf("bad -p: %v", err)
	}
}

func TestJSONValues(t *testing.T) {
	ctx := t.Context()
	next := JSONValues(strings.NewReader("{\"a\":1} {\"b\":\n2}\n\n{\"c\":3}\n{\"d\": ]"), "-d")
	for _, want := range []string{`{"a":1}`, "{\"b\":\n2}", `{"c":3}`} {
		if b, err := next(ctx); string(b) != want || err != nil {
			t.Errorf("value %q, %v; want %q", b, err, want)
		}
	}
	_, err := next(ctx)
	if !errors.Is(err, invoke.ErrBadJSON) || !strings.Contains(err.Error(), "-d: invalid JSON at line 5, column 7") {
		t.Errorf("bad value: %v", err)
	}
	if _, again := next(ctx); again != err {
		t.Errorf("after an error: %v, want it again", again)
	}
	if _, err := JSONValues(strings.NewReader(`{"a":`), "-d @f")(ctx); !errors.Is(err, invoke.ErrBadJSON) || !strings.Contains(err.Error(), "line 1, column 6: unexpected end") {
		t.Errorf("truncated: %v", err)
	}
}

// TestInputValuesReturnsWhenCancelled: a read that waits for a person
// typing does not hold the stream once its context ends.
func TestInputValuesReturnsWhenCancelled(t *testing.T) {
	testutil.NoLeaks(t)
	pr, pw := io.Pipe()
	next := InputValues(pr, "-d @-")
	ctx, cancel := context.WithCancel(t.Context())
	go func() { _, _ = pw.Write([]byte(`{"a":1}`)) }()
	if b, err := next(ctx); string(b) != `{"a":1}` || err != nil {
		t.Fatalf("first value %q, %v", b, err)
	}
	cancel()
	if _, err := next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	pw.Close() // the pending read ends, and the reading goroutine with it
}
