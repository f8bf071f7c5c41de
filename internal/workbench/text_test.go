package workbench

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/probes/scrape"
)

// TestWriteDescribe: an endpoint nothing measured shows "-", a measured
// one its rate and error ratio, and a stale instance says so; remote text
// carries no escape sequence.
func TestWriteDescribe(t *testing.T) {
	in := hub.InstanceState{Instance: hub.Instance{Key: hub.Key{InstanceID: "book-1\x1b[2J"}, Address: "127.0.0.1:1", State: hub.StateUp, Stale: true, Err: "gone"}}
	measured := in
	measured.InstanceID = "book-2"
	measured.Stale, measured.Err = false, ""
	measured.Metrics = &hub.MetricsUpdate{Stats: scrape.Stats{Interval: time.Second, Endpoints: []scrape.EndpointStats{
		{Endpoint: "GetBook", Transport: "grpc", Rate: 2.5, Requests: 10, Errors: 3, Failures: 1, ClientErrors: 2,
			Mean: 900 * time.Microsecond, Floor: 500 * time.Microsecond, P50: 400 * time.Microsecond, P99: 3 * time.Millisecond}}}}
	var b bytes.Buffer
	if err := WriteDescribe(&b, "bookstore", []hub.InstanceState{in, measured}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Failures and client errors apart; a quantile under the histogram's
	// floor shown as such, beside the exact mean.
	for _, want := range []string{"SERVICE bookstore  (2 instances)", "stale: gone", "2.5/s", "10.0%", "20.0%", "900µs", "<500µs", "3ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape sequence reached the output:\n%q", out)
	}
}

func TestWriteList(t *testing.T) {
	var b bytes.Buffer
	if err := WriteList(&b, Listing{Source: hub.SourceStatus{Source: "consul 127.0.0.1:8500"}}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "source: consul 127.0.0.1:8500\nno services registered\n" {
		t.Errorf("empty fleet: %q", b.String())
	}
	b.Reset()
	l := Listing{Source: hub.SourceStatus{Source: "s", Stale: true, Err: "down"}, Services: []ListedService{{Name: "bookstore",
		Instances: []ListedInstance{{ID: "book-1", Address: "a:1", Health: "passing", State: hub.StateUp, Stale: true, Error: "no admin"}}}}}
	if err := WriteList(&b, l); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.HasPrefix(out, "source: s  (stale: down)\n") || !strings.Contains(out, "stale: no admin") || !strings.Contains(out, "bookstore  book-1") {
		t.Errorf("list:\n%s", out)
	}
}

func TestWriteComparisonAndVerbose(t *testing.T) {
	ok := &invoke.Result{Transport: invoke.HTTP, Code: 200, Status: "200 OK", Duration: 1234 * time.Microsecond}
	outs := []invoke.Outcome{{Instance: "a", Result: ok, Same: true}, {Instance: "b", Result: ok, Diff: []string{"$.title"}}, {Instance: "c", Err: errors.New("gone")}}
	var b bytes.Buffer
	if err := WriteComparison(&b, outs, 0); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 5 || !strings.HasSuffix(lines[1], "reference") || !strings.HasSuffix(lines[2], "differs: $.title") ||
		!strings.Contains(lines[1], "1.23ms") || !strings.HasPrefix(lines[3], "c  ") || !strings.Contains(lines[3], "-") {
		t.Errorf("comparison:\n%s", b.String())
	}
	b.Reset()
	r := &invoke.Result{Transport: invoke.GRPC, Method: "/x.S/M", Status: "OK", Target: "t:1", TraceID: "abc",
		RequestHeader: map[string][]string{"b": {"2"}, "a": {"1"}}, Trailer: map[string][]string{"t": {"3"}}}
	WriteVerbose(&b, sd.Instance{ID: "i-1"}, r)
	if want := "instance  i-1 (t:1, grpc)\nmethod    /x.S/M\nstatus    OK\nduration  0s\ntrace id  abc\n> a: 1\n> b: 2\ntrailers:\n< t: 3\n"; b.String() != want {
		t.Errorf("verbose:\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteSchema(t *testing.T) {
	s := &invoke.Schema{Method: "GET /v1/books/{id}", Transport: "http", PathParams: []string{"id"},
		Request:  &invoke.Message{Name: "GetBookRequest", Fields: []invoke.Field{{Name: "book", Type: "Book", Fields: []invoke.Field{{Name: "id", Type: "string"}}}}},
		Template: []byte(`{"id":""}`)}
	var b bytes.Buffer
	if err := WriteSchema(&b, "book-1", s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GET /v1/books/{id}  (http, from book-1)\n", "path parameters: id", "  book  Book\n    id  string\n",
		"response: not published", "template (kitbench call ... -d @file):\n{\n  \"id\": \"\"\n}\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("schema lacks %q:\n%s", want, b.String())
		}
	}
}

func TestServeRegistry(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- ServeRegistry(ctx, "127.0.0.1:0", func(addr string) { ready <- addr }) }()
	addr := <-ready
	if err := ServeRegistry(ctx, addr, func(string) { t.Error("ready on an address in use") }); err == nil || !strings.Contains(err.Error(), "is in use") {
		t.Errorf("an address in use: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("stopped: %v", err)
	}
}

func TestWriteDescribeOneInstance(t *testing.T) {
	in := hub.InstanceState{Instance: hub.Instance{Key: hub.Key{InstanceID: "book-1"}, Address: "127.0.0.1:1", State: hub.StateUp}}
	var b bytes.Buffer
	if err := WriteDescribe(&b, "bookstore", []hub.InstanceState{in}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "SERVICE bookstore  (1 instance)\n") {
		t.Fatalf("want a singular count:\n%s", b.String())
	}
}
