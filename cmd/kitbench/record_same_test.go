package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/call"
)

// perCall are the parts of a session file that differ between two calls
// of the same method however they are recorded: the exchange's id (the
// writer's), start time, duration, trace id and traceparent, the HTTP Date
// header, the request id the server gives each request, and the header's
// creation time and tool.
var perCall = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^\{"id":"[^"]*"`),
	regexp.MustCompile(`"time":"[^"]*"`),
	regexp.MustCompile(`"duration_ns":[0-9]+`),
	regexp.MustCompile(`"trace_id":"[0-9a-f]{32}"`),
	regexp.MustCompile(`"traceparent":\["[^"]*"\]`),
	regexp.MustCompile(`"date":\["[^"]*"\]`),
	regexp.MustCompile(`"x-request-id":\["[^"]*"\]`),
	regexp.MustCompile(`"request_id":"[^"]*"`),
	regexp.MustCompile(`"created":"[^"]*"`),
	regexp.MustCompile(`"tool":"[^"]*"`),
}

func withoutPerCall(b []byte) []byte {
	for _, re := range perCall {
		b = re.ReplaceAllFunc(b, func(m []byte) []byte { return append(m[:bytes.IndexByte(m, ':')+1], '_') })
	}
	return b
}

// TestCallAndDashboardRecordTheSame records the same calls with `kitbench
// call --record` and with the dashboard's recording, against one Book
// instance, over gRPC and HTTP, an answer and an error status: the two
// files are the same bytes but for what differs between any two calls.
func TestCallAndDashboardRecordTheSame(t *testing.T) {
	reg := callRegistry(t)
	inst := callBook(t, bookstore.Config{Registry: reg, InstanceID: "book-1"})
	cli := func(file string, wantCode int, args ...string) {
		t.Helper()
		code, out, errOut := runArgs(t, append([]string{"call", "--consul", reg, "--record", file}, args...)...)
		if code != wantCode {
			t.Fatalf("call %v: exit %d, want %d\n%s%s", args, code, wantCode, out, errOut)
		}
	}
	cli(filepath.Join(t.TempDir(), "setup.kitrec"), 0, "bookstore.CreateBook", "-d", `{"book":{"title":"Dune <1965>","author":"Frank Herbert","year":1965}}`)

	cliFile := filepath.Join(t.TempDir(), "cli.kitrec")
	cli(cliFile, 0, "bookstore.ListBooks", "-d", `{"page_size":5}`)
	cli(cliFile, 64+5, "bookstore.GetBook", "-d", `{"id":"0000000000000009"}`)
	cli(cliFile, 0, "bookstore.ListBooks", "--http", "-d", `{"page_size":5}`)
	cli(cliFile, 4, "bookstore.GetBook", "--http", "-d", `{"id":"0000000000000009"}`)

	dir := t.TempDir()
	a := newTestCalls(t, dir)
	ctx := context.Background()
	st := a.ToggleRecording()
	book := bookInstance(t, inst)
	httpOnly := hub.Instance{Key: book.Key, Address: book.Address, Health: book.Health,
		Meta: map[string]string{sd.MetaHTTP: inst.HTTPAddr, sd.MetaAdmin: "http://" + inst.AdminAddr}}
	for _, c := range []struct {
		in           hub.Instance
		method, body string
	}{
		{book, "ListBooks", `{"page_size":5}`},
		{book, "GetBook", `{"id":"0000000000000009"}`},
		{httpOnly, "ListBooks", `{"page_size":5}`},
		{httpOnly, "GetBook", `{"id":"0000000000000009"}`},
	} {
		r, err := a.Call(ctx, call.Request{Service: "bookstore", Method: c.method, Instances: []hub.Instance{c.in}, Body: []byte(c.body)})
		if err != nil || !r.Recorded {
			t.Fatalf("dashboard call %s: %+v %v", c.method, r, err)
		}
	}
	if st := a.ToggleRecording(); st.On || st.Calls != 4 {
		t.Fatalf("toggle off: %+v", st)
	}

	fromCLI, err := os.ReadFile(cliFile)
	if err != nil {
		t.Fatal(err)
	}
	fromDash, err := os.ReadFile(filepath.Join(dir, st.Path))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := withoutPerCall(fromDash), withoutPerCall(fromCLI); !bytes.Equal(got, want) {
		t.Errorf("the dashboard recorded\n%s\n`kitbench call --record` recorded\n%s", got, want)
	}
	if !bytes.Contains(fromCLI, []byte("Dune <1965>")) || bytes.Count(fromCLI, []byte(`"create_time"`)) != 2 {
		t.Errorf("bodies should be kept as received, named by the .proto over gRPC as over HTTP:\n%s", fromCLI)
	}
}
