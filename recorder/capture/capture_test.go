package capture_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
)

// record captures booktest.Session from a live Book service into a file,
// through a Capture or (syncMode) on the calls' goroutines.
func record(t *testing.T, syncMode bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.kitrec")
	w, err := recorder.Create(path, recorder.Header{Service: "bookstore", Ignore: booktest.Ignore},
		recorder.WriteOptions{Redact: booktest.SessionRedaction})
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	var mu sync.Mutex
	srv := booktest.Start(t, w, capture.Options{Service: "bookstore", Instance: "book-1",
		OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }}, nil, syncMode)
	booktest.Session(t, srv)
	if srv.Capture != nil {
		if err := srv.Capture.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("capture errors: %v", errs)
	}
	return path
}

func replay(t *testing.T, path string, mw func(string, endpoint.Endpoint) endpoint.Endpoint) *recorder.Report {
	t.Helper()
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatalf("%v %v", err, s.Errors)
	}
	srv := booktest.Start(t, nil, capture.Options{}, mw)
	targets := &recorder.Targets{HTTP: recorder.HTTPTarget(srv.HTTPURL, srv.HTTP), GRPC: recorder.GRPCTarget(srv.Conn)}
	rp, err := recorder.NewReplayer(targets, recorder.ReplayOptions{Redact: booktest.SessionRedaction})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rp.Replay(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestRoundTripHTTPAndGRPC(t *testing.T) {
	for _, mode := range []string{"capture", "sync"} {
		t.Run(mode, func(t *testing.T) { testRoundTrip(t, mode == "sync") })
	}
}

func testRoundTrip(t *testing.T, syncMode bool) {
	testutil.NoLeaks(t) // first, so it runs after the servers' cleanups
	path := record(t, syncMode)
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ex := range s.Exchanges {
		names = append(names, ex.Transport+" "+ex.Endpoint)
	}
	want := []string{"http CreateBook", "http CreateBook", "http GetBook", "http ListBooks", "http GetBook",
		"http CreateBook", "http DeleteBook", "grpc CreateBook", "grpc GetBook", "grpc ListBooks", "grpc GetBook"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("recorded %v\nwant %v", names, want)
	}
	g := s.Exchanges[8]
	if g.Request.GRPCMethod != "/bookstore.v1.BookService/GetBook" || g.Instance != "book-1" || g.Target == "" ||
		!strings.Contains(string(g.Response.Body.JSON), `"create_time"`) {
		t.Errorf("gRPC exchange %+v", g)
	}
	if miss := s.Exchanges[10].Response; miss.GRPCCode != 5 || miss.GRPCMessage == "" {
		t.Errorf("gRPC miss recorded as %+v", miss)
	}
	if h := s.Exchanges[4].Response; h.Status != 404 || h.Headers["X-Request-Id"] == nil {
		t.Errorf("HTTP miss recorded as %+v", h)
	}

	rep := replay(t, path, nil)
	for _, r := range rep.Results {
		if !r.OK() {
			t.Errorf("%s", r.Explain())
		}
	}
	if rep.Passed != len(want) || rep.Failed != 0 {
		t.Errorf("passed %d failed %d", rep.Passed, rep.Failed)
	}

	// The service changes: GetBook now answers another title.
	changed := func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		if method != bookstore.MethodGetBook {
			return next
		}
		return func(ctx context.Context, req any) (any, error) {
			resp, err := next(ctx, req)
			if b, ok := resp.(bookstore.Book); ok {
				b.Title += " (2nd edition)"
				return b, err
			}
			return resp, err
		}
	}
	rep = replay(t, path, changed)
	var failed []string
	for _, r := range rep.Results {
		if !r.OK() {
			failed = append(failed, r.Explain())
		}
	}
	if len(failed) != 2 {
		t.Fatalf("%d exchanges failed, want the two successful GetBooks:\n%s", len(failed), strings.Join(failed, "\n"))
	}
	for i, f := range failed {
		want := []string{"GET /v1/books/0000000000000001 (GetBook)", "/bookstore.v1.BookService/GetBook"}[i]
		if !strings.Contains(f, want) || !strings.Contains(f, `$.title: want "`) || !strings.Contains(f, `(2nd edition)"`) {
			t.Errorf("diff does not name the exchange %q and the field:\n%s", want, f)
		}
	}
	t.Logf("example diff:\n%s", failed[0])
}

// TestRedaction: traffic carrying every kind of secret leaves none of them
// on disk, and the session still replays.
func TestRedaction(t *testing.T) {
	for _, mode := range []string{"capture", "sync"} {
		t.Run(mode, func(t *testing.T) { testRedaction(t, mode == "sync") })
	}
}

func testRedaction(t *testing.T, syncMode bool) {
	path := record(t, syncMode)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sec := reflect.ValueOf(booktest.Secrets)
	for i := range sec.NumField() {
		v := sec.Field(i).String()
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("secret %s (%q) is on disk", sec.Type().Field(i).Name, v)
		}
	}
	for _, frag := range []string{"S10-secret", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"} {
		if bytes.Contains(raw, []byte(frag)) {
			t.Errorf("JWT fragment %q is on disk", frag)
		}
	}
	if n := bytes.Count(raw, []byte(recorder.Placeholder)); n < 20 {
		t.Errorf("only %d placeholders", n)
	}
	rep := replay(t, path, nil)
	if rep.Failed != 0 {
		for _, r := range rep.Results {
			if !r.OK() {
				t.Error(r.Explain())
			}
		}
	}
}

func TestCaptureKeepsResponseAndBoundsBodies(t *testing.T) {
	var sink memSink
	srv := booktest.Start(t, &sink, capture.Options{MaxBody: 16}, nil, booktest.Sync)
	resp, err := srv.HTTP.Post(srv.HTTPURL+"/v1/books", "application/json",
		strings.NewReader(`{"title":"A title well over sixteen bytes","author":"B"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(body.String(), "A title well over sixteen bytes") {
		t.Fatalf("response changed: %d %s", resp.StatusCode, body.String())
	}
	if len(sink.got) != 1 {
		t.Fatalf("%d exchanges", len(sink.got))
	}
	rb, qb := sink.got[0].Response.Body, sink.got[0].Request.Body
	if !rb.Truncated || len(rb.Bytes) != 16 || rb.Size != int64(body.Len()) || !qb.Truncated || len(qb.Bytes) != 16 {
		t.Errorf("bodies not bounded: request %+v response %+v", qb, rb)
	}
}

type memSink struct{ got []recorder.Exchange }

func (m *memSink) Append(ex recorder.Exchange) error { m.got = append(m.got, ex); return nil }
