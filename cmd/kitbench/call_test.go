package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/bookstore/booktest"
	"github.com/kitbench/kitbench/internal/testutil/registrytest"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// callRegistry runs a dev registry for the test and returns its address.
func callRegistry(t *testing.T) string {
	t.Helper()
	_, addr := registrytest.Start(t, "127.0.0.1:0")
	return addr
}

// callBook runs a Book instance registered at reg.
func callBook(t *testing.T, cfg bookstore.Config) *bookstore.Instance { return booktest.Start(t, cfg) }

// faulty makes ListBooks hang until the caller gives up, DeleteBook fail
// with a server error, and CreateBook refuse with a message that carries an
// escape sequence.
func faulty(method string, next endpoint.Endpoint) endpoint.Endpoint {
	switch method {
	case bookstore.MethodCreateBook:
		return func(context.Context, any) (any, error) {
			return nil, transport.NewError(400, "shelf \x1b[2Jfull")
		}
	case bookstore.MethodListBooks:
		return func(ctx context.Context, req any) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
	case bookstore.MethodDeleteBook:
		return func(context.Context, any) (any, error) {
			return nil, transport.NewError(500, "disk on fire")
		}
	}
	return next
}

// kb runs kitbench in-process with stdin.
func kb(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(&out, &errb)
	root.SetIn(strings.NewReader(stdin))
	err := execute(t.Context(), root, args)
	if err != nil {
		// as run does
		errb.WriteString("kitbench: " + err.Error() + "\n")
		code = 1
		var ec exitCoder
		if errors.As(err, &ec) {
			code = ec.ExitCode()
		}
	}
	return code, out.String(), errb.String()
}

func TestCallGRPCAndHTTP(t *testing.T) {
	reg := callRegistry(t)
	callBook(t, bookstore.Config{Registry: reg})
	code, out, errOut := runArgs(t, "call", "--consul", reg, "bookstore.CreateBook", "-d", `{"book":{"title":"Dune","author":"Herbert","year":1965}}`)
	var book struct{ ID, Title string }
	if code != 0 || json.Unmarshal([]byte(out), &book) != nil || book.Title != "Dune" || strings.Count(out, "\n") != 1 {
		t.Fatalf("create: exit %d, %q, %q", code, out, errOut)
	}
	file := filepath.Join(t.TempDir(), "req.json")
	if err := os.WriteFile(file, []byte(`{"id":"`+book.ID+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"bookstore.GetBook", "-d", "@" + file},
		{"bookstore.bookstore.v1.BookService/GetBook", "-d", "@" + file},
		{"bookstore.GetBook", "--http", "-d", "@-"},
		{"bookstore.GetBook", "--http", "-p", "id=" + book.ID},
	} {
		code, got, errOut := kb(t, `{"id":"`+book.ID+`"}`, append([]string{"call", "--consul", reg}, args...)...)
		if code != 0 || !strings.Contains(got, `"title":"Dune"`) || errOut != "" {
			t.Errorf("%v: exit %d, %q, %q", args, code, got, errOut)
		}
	}
	code, out, errOut = runArgs(t, "call", "--consul", reg, "bookstore.GetBook", "-d", `{"id":"`+book.ID+`"}`, "-v", "-H", "x-who: test")
	for _, want := range []string{"instance  bookstore-", "status    OK", "trace id  ", "> x-who: test", "> traceparent: 00-", "< content-type: application/grpc"} {
		if code != 0 || !strings.Contains(errOut, want) {
			t.Errorf("-v: stderr lacks %q: %d %q", want, code, errOut)
		}
	}
	if !strings.Contains(out, `"Dune"`) {
		t.Errorf("-v: stdout %q", out)
	}
	code, out, _ = runArgs(t, "call", "--consul", reg, "bookstore.ListBooks", "--http", "-o", "json", "-H", "authorization: Bearer x")
	var env struct {
		Service, Instance string
		TraceID           string `json:"trace_id"`
		Code              int
		RequestHeaders    map[string][]string `json:"request_headers"`
		Body              json.RawMessage
		DurationNS        int64 `json:"duration_ns"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &env) != nil {
		t.Fatalf("-o json: %d %q", code, out)
	}
	if env.Service != "bookstore" || !strings.HasPrefix(env.Instance, "bookstore-") || env.Code != 200 || len(env.TraceID) != 32 || env.DurationNS <= 0 || !strings.Contains(string(env.Body), "Dune") ||
		env.RequestHeaders["authorization"][0] != "[REDACTED]" || !strings.HasPrefix(env.RequestHeaders["traceparent"][0], "00-"+env.TraceID) {
		t.Fatalf("-o json: %s", out)
	}
}

func TestCallSourcesAndTargets(t *testing.T) {
	inst := callBook(t, bookstore.Config{})
	set := callProtoset(t)
	for _, args := range [][]string{
		{"--target", inst.GRPCAddr},
		{"--target", inst.GRPCAddr, "--proto", "book.proto", "-I", "../../examples/bookstore/pb"},
		{"--target", inst.GRPCAddr, "--protoset", set},
		{"--target", inst.AdminAddr},           // a kit admin listener: gRPC address from /info
		{"--target", inst.AdminAddr, "--http"}, // and the HTTP routes
	} {
		code, out, errOut := runArgs(t, append(append([]string{"call"}, args...), "bookstore.v1.BookService.ListBooks")...)
		if code != 0 || !strings.HasPrefix(out, "{") || errOut != "" {
			t.Errorf("%v: exit %d, %q, %q", args, code, out, errOut)
		}
	}
}

func TestCallPrintCommands(t *testing.T) {
	inst := callBook(t, bookstore.Config{})
	t.Setenv("BOOK_TOKEN", "not-printed")
	code, out, _ := runArgs(t, "call", "--target", inst.GRPCAddr, "bookstore.v1.BookService.GetBook", "-d", `{"id":"1"}`,
		"-H", "authorization: Bearer ${BOOK_TOKEN}", "--print-grpcurl")
	want := `grpcurl -plaintext -H "authorization: Bearer ${BOOK_TOKEN}" -d '{"id":"1"}' -max-time 30 ` + inst.GRPCAddr + " bookstore.v1.BookService/GetBook\n"
	if code != 0 || out != want {
		t.Fatalf("--print-grpcurl: %d\n got %q\nwant %q", code, out, want)
	}
	code, out, _ = runArgs(t, "call", "--target", inst.AdminAddr, "bookstore.GetBook", "-d", `{"id":"1"}`, "--print-curl", "--timeout", "2s")
	want = "curl -sS -H 'accept: application/json' --max-time 2 http://" + inst.HTTPAddr + "/v1/books/1\n"
	if code != 0 || out != want {
		t.Fatalf("--print-curl: %d\n got %q\nwant %q", code, out, want)
	}
}

func TestCallErrors(t *testing.T) {
	reg := callRegistry(t)
	inst := callBook(t, bookstore.Config{Registry: reg, Middleware: faulty})
	// A generous connect timeout: on a loaded 2-core CI machine the default
	// 5 s for the registry's first complete answer was once not enough.
	c := []string{"call", "--consul", reg, "--connect-timeout", "30s"}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{append(c, "bokstore.GetBook"), 2, `no such service "bokstore" in the registry`},
		{append(c, "bokstore.GetBook"), 2, "did you mean bookstore?"},
		{append(c, "bookstore.GetBok"), 1, `no such method "GetBok" in bookstore.v1.BookService; did you mean GetBook?`},
		{append(c, "bookstore.GetBok", "--http"), 1, "did you mean GetBook?"},
		{append(c, "bookstore.GetBook", "-d", "{\"id\":\n  \"1\"]"), 1, "invalid JSON at line 2, column 6"},
		{append(c, "bookstore.GetBook", "-d", `{"titel":"x"}`), 1, `unknown field "titel" at line 1, column 2 (request message bookstore.v1.GetBookRequest)`},
		{append(c, "bookstore.CreateBook", "--http", "-d", `{"titel":"x"}`), 4, `400 Bad Request: unknown field "titel"`},
		{append(c, "bookstore.CreateBook", "--http", "-d", `{"title":"x","author":"y"}`), 4, `400 Bad Request: shelf full`},
		{append(c, "bookstore.CreateBook", "-d", `{"book":{"title":"x","author":"y"}}`), 64 + 3, `INVALID_ARGUMENT: shelf full`},
		{append(c, "bookstore.GetBook", "-d", `{"id":"404"}`), 64 + 5, "bookstore.v1.BookService/GetBook on " + inst.InstanceID + ": NOT_FOUND: "},
		{append(c, "bookstore.GetBook", "--http", "-d", `{"id":"404"}`), 4, "GET /v1/books/404 on " + inst.InstanceID + ": 404 Not Found: "},
		{append(c, "bookstore.ListBooks", "--timeout", "50ms"), 64 + 4, "DEADLINE_EXCEEDED"},
		{append(c, "bookstore.ListBooks", "--timeout", "50ms", "--http"), 64 + 4, "deadline exceeded after"},
		{append(c, "bookstore.DeleteBook", "-d", `{"id":"1"}`), 64 + 13, "INTERNAL"},
		{append(c, "bookstore.DeleteBook", "--http", "-d", `{"id":"1"}`), 5, "500 Internal Server Error"},
		{append(c, "bookstore.GetBook", "--http"), 1, `needs the path parameter "id"`},
		{append(c, "bookstore.GetBook", "-H", "authorization: ${KITBENCH_TEST_UNSET}"), 1, "environment variable not set: ${KITBENCH_TEST_UNSET}"},
		{append(c, "bookstore.GetBook", "--instance", "nope"), 2, `no such instance "nope" in service bookstore`},
		{append(c, "bookstore.GetBook", "--record", "/nonexistent/x.kitrec"), 1, "--record /nonexistent/x.kitrec: "},
		{append(c, "bookstore"), 1, "want SERVICE.METHOD"},
		{append(c, "bookstore.GetBook", "-o", "yaml"), 1, `-o "yaml"`},
		{append(c, "bookstore.GetBook", "-d", "@/nonexistent.json"), 1, "-d @/nonexistent.json: open /nonexistent.json"},
		{[]string{"call", "--consul", callClosedAddr(t), "--connect-timeout", "2s", "bookstore.GetBook"}, 2, "start one with 'kitbench registry'"},
		{[]string{"call", "--target", callClosedAddr(t), "x.y.Z"}, 2, "connection refused"},
	} {
		code, out, errOut := runArgs(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) || !strings.HasPrefix(errOut, "kitbench: ") ||
			strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "goroutine ") || out != "" {
			t.Errorf("%v:\n exit %d (want %d)\n stderr %q\n want %q\n stdout %q", tc.args[1:], code, tc.code, errOut, tc.msg, out)
		}
	}
}

func TestCallHelp(t *testing.T) {
	code, out, _ := runArgs(t, "call", "--help")
	for _, want := range []string{"Exit status:", "64+N", "--print-grpcurl", "kitbench call bookstore.GetBook -d", "${VAR}", "-d @-", "--all"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("call --help lacks %q", want)
		}
	}
}
