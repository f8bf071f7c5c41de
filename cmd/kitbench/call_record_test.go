package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/recorder"
)

// TestCallRecordThenReplay records calls made with `kitbench call
// --record` over gRPC and HTTP, then replays the file against the same
// instance: everything matches; once the instance answers GetBook with
// another title, replay exits 1 naming the field.
func TestCallRecordThenReplay(t *testing.T) {
	var changed atomic.Bool
	reg := callRegistry(t)
	callBook(t, bookstore.Config{Registry: reg, Middleware: func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		edition := secondEdition(method, next)
		return func(ctx context.Context, req any) (any, error) {
			if changed.Load() {
				return edition(ctx, req)
			}
			return next(ctx, req)
		}
	}})
	file := filepath.Join(t.TempDir(), "calls.kitrec")
	call := func(wantCode int, args ...string) {
		t.Helper()
		code, out, errOut := runArgs(t, append([]string{"call", "--consul", reg}, args...)...)
		if code != wantCode {
			t.Fatalf("call %v: exit %d, want %d\n%s%s", args, code, wantCode, out, errOut)
		}
	}
	// Not recorded: replaying a create would create a second book.
	call(0, "bookstore.CreateBook", "-d", `{"book":{"title":"Dune","author":"Frank Herbert","year":1965}}`)

	rec := []string{"--record", file}
	call(0, append(rec, "bookstore.GetBook", "-d", `{"id":"0000000000000001"}`, "-H", "authorization: Bearer secret")...)
	call(64+5, append(rec, "bookstore.GetBook", "-d", `{"id":"0000000000000009"}`)...)
	call(0, append(rec, "bookstore.ListBooks", "-d", `{"page_size":5}`)...)
	call(0, append(rec, "bookstore.GetBook", "--http", "-d", `{"id":"0000000000000001"}`, "-H", "authorization: Bearer secret")...)
	call(0, append(rec, "bookstore.ListBooks", "--http", "-d", `{"page_size":5}`)...)
	code, _, _ := runArgs(t, append([]string{"call", "--consul", reg}, append(rec, "bookstore.GetBook", "--http", "-p", "id=0000000000000009")...)...)
	if code == 0 {
		t.Fatal("HTTP GetBook of a missing book succeeded")
	}

	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("secret")) {
		t.Errorf("the bearer token reached the file:\n%s", raw)
	}
	s, err := recorder.ReadFile(file, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatal(err, s.Errors)
	}
	var names []string
	for _, ex := range s.Exchanges {
		names = append(names, ex.Name())
		if ex.Service != "bookstore" || !strings.HasPrefix(ex.Instance, "bookstore-") || ex.Target == "" || len(ex.TraceID) != 32 {
			t.Errorf("%s: service %q instance %q target %q trace %q", ex.Name(), ex.Service, ex.Instance, ex.Target, ex.TraceID)
		}
	}
	// HTTP exchanges name their endpoint too, so that recorder's
	// EndpointTarget can replay them in a service's own tests.
	want := "/bookstore.v1.BookService/GetBook|/bookstore.v1.BookService/GetBook|/bookstore.v1.BookService/ListBooks|" +
		"GET /v1/books/0000000000000001 (GetBook)|GET /v1/books?page_size=5 (ListBooks)|GET /v1/books/0000000000000009 (GetBook)"
	if got := strings.Join(names, "|"); got != want || s.Header.Tool != "kitbench call" {
		t.Fatalf("recorded %s (tool %q)\nwant     %s", got, s.Header.Tool, want)
	}
	if miss := s.Exchanges[1].Response; miss.GRPCCode != 5 || miss.GRPCMessage == "" {
		t.Errorf("gRPC miss recorded as %+v", miss)
	}
	if miss := s.Exchanges[5].Response; miss.Status != 404 || miss.Body == nil {
		t.Errorf("HTTP miss recorded as %+v", miss)
	}
	if h := s.Exchanges[0].Request.Headers["authorization"]; len(h) != 1 || h[0] != recorder.Placeholder {
		t.Errorf("gRPC authorization metadata recorded as %q", h)
	}

	ignore := []string{"--ignore", "$.create_time", "--ignore", "$.books[*].create_time", "--ignore", "$.request_id"}
	code, stdout, stderr := runArgs(t, append([]string{"replay", file}, ignore...)...)
	if code != 0 || !strings.Contains(stdout, "6 exchanges: 6 passed, 0 failed") {
		t.Fatalf("replay against the same instance: exit %d\n%s%s", code, stdout, stderr)
	}

	changed.Store(true)
	code, stdout, stderr = runArgs(t, append([]string{"replay", file}, ignore...)...)
	if code != 1 || !strings.Contains(stdout, "4 passed, 2 failed") ||
		strings.Count(stdout, `$.title: want "Dune", got "Dune (2nd ed.)"`) != 2 {
		t.Fatalf("replay against the changed instance: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestCallRecordBadFile(t *testing.T) {
	reg := callRegistry(t)
	notKitrec := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notKitrec, []byte("shopping list\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{notKitrec, filepath.Join(t.TempDir(), "no", "such", "dir.kitrec")} {
		code, _, stderr := runArgs(t, "call", "--consul", reg, "--record", path, "bookstore.GetBook", "-d", `{"id":"1"}`)
		if code != 1 || !strings.Contains(stderr, "--record "+path) {
			t.Errorf("--record %s: exit %d, %q", path, code, stderr)
		}
	}
	if b, _ := os.ReadFile(notKitrec); string(b) != "shopping list\n" {
		t.Errorf("a file that is not a session was changed: %q", b)
	}
}
