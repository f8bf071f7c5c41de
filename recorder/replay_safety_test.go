package recorder_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
	"google.golang.org/grpc/metadata"
)

const recordedTP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
const recordedTrace = "0af7651916cd43dd8448eb211c80319c"

// counter is a real HTTP server on loopback that counts the requests it
// gets by method and keeps the traceparent of each.
type counter struct {
	mu     sync.Mutex
	byVerb map[string]int
	tps    []string
	url    string
}

func startCounter(t *testing.T) *counter {
	c := &counter{byVerb: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.byVerb[r.Method]++
		c.tps = append(c.tps, r.Header.Get("Traceparent"))
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	c.url = "http://" + ln.Addr().String()
	return c
}

func (c *counter) count(verb string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byVerb[verb]
}

func total(c *counter) int { return c.count("GET") + c.count("DELETE") }

// writeSession is a recording of a GET and a DELETE, each with the trace
// it was recorded in.
func writeSession(target string) *recorder.Session {
	ok := recorder.Response{Status: 200, Body: &recorder.Body{JSON: []byte(`{"ok":true}`)}}
	hdr := map[string][]string{"Traceparent": {recordedTP}}
	return &recorder.Session{Exchanges: []recorder.Exchange{
		{ID: "1", Transport: recorder.TransportHTTP, Target: target, TraceID: recordedTrace,
			Request: recorder.Request{Method: "GET", Path: "/v1/books/1", Headers: hdr}, Response: ok},
		{ID: "2", Transport: recorder.TransportHTTP, Target: target, TraceID: recordedTrace,
			Request: recorder.Request{Method: "DELETE", Path: "/v1/books/1", Headers: hdr}, Response: ok},
	}}
}

func replay(t *testing.T, c *counter, o recorder.ReplayOptions) (*recorder.Report, error) {
	t.Helper()
	rp, err := recorder.NewReplayer(recorder.HTTPTarget(c.url, nil), o)
	if err != nil {
		t.Fatal(err)
	}
	return rp.Replay(t.Context(), writeSession("127.0.0.1:1"))
}

// TestReplayRefusesWrites: against a target it does not own, a replay
// with WritesRefuse sends nothing and names the recorded DELETE; with
// WritesAllow it sends it; with WritesSkip only the GET goes.
func TestReplayRefusesWrites(t *testing.T) {
	c := startCounter(t)
	_, err := replay(t, c, recorder.ReplayOptions{Writes: recorder.WritesRefuse})
	var ue *recorder.UnsafeError
	if !errors.As(err, &ue) || !errors.Is(err, recorder.ErrUnsafe) || len(ue.Exchanges) != 1 ||
		!strings.Contains(ue.Exchanges[0], "#2 DELETE /v1/books/1") {
		t.Fatalf("refuse: %v, want an *UnsafeError naming #2 DELETE", err)
	}
	if n := total(c); n != 0 {
		t.Fatalf("refuse: the server got %d requests, want 0", n)
	}

	rep, err := replay(t, c, recorder.ReplayOptions{Writes: recorder.WritesSkip})
	if err != nil || rep.Passed != 1 || rep.Skipped != 1 || c.count("DELETE") != 0 || c.count("GET") != 1 {
		t.Fatalf("skip: %+v, %v; server saw GET %d DELETE %d", rep, err, c.count("GET"), c.count("DELETE"))
	}
	if r := rep.Results[1]; r.Safety.Safe || !strings.HasPrefix(r.Skipped, "unsafe: ") {
		t.Errorf("skip: DELETE result %+v", r)
	}

	rep, err = replay(t, c, recorder.ReplayOptions{Writes: recorder.WritesAllow})
	if err != nil || rep.Passed != 2 || c.count("DELETE") != 1 {
		t.Fatalf("allow: %+v, %v; server saw DELETE %d times, want 1", rep, err, c.count("DELETE"))
	}
}

// TestDryRunSendsNothing: a dry run reports what it would send, with a
// fresh traceparent, and the server counts no request.
func TestDryRunSendsNothing(t *testing.T) {
	c := startCounter(t)
	rep, err := replay(t, c, recorder.ReplayOptions{DryRun: true, Writes: recorder.WritesAllow})
	if err != nil || rep.Skipped != 2 || rep.Passed+rep.Failed != 0 {
		t.Fatalf("dry run: %+v, %v", rep, err)
	}
	if n := total(c); n != 0 {
		t.Fatalf("dry run: the server got %d requests, want 0", n)
	}
	for _, r := range rep.Results {
		if r.Sent == nil || r.Sent.Method == "" || r.Skipped != "dry run" || r.TraceID == "" ||
			!strings.Contains(r.Sent.Headers["Traceparent"][0], r.TraceID) {
			t.Errorf("dry run result %+v: want what would be sent, with its trace id", r)
		}
	}
}

// TestReplayHasFreshTraceHTTP: the server sees a new traceparent for each
// replayed exchange, never the recorded one; the report keeps both ids.
func TestReplayHasFreshTraceHTTP(t *testing.T) {
	c := startCounter(t)
	rep, err := replay(t, c, recorder.ReplayOptions{})
	if err != nil || rep.Passed != 2 {
		t.Fatalf("%+v, %v", rep, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	for i, tp := range c.tps {
		r := rep.Results[i]
		if tp == "" || strings.Contains(tp, recordedTrace) || !strings.Contains(tp, r.TraceID) || seen[r.TraceID] {
			t.Errorf("exchange %d: server saw traceparent %q, report trace %q: want a fresh one per exchange", i, tp, r.TraceID)
		}
		seen[r.TraceID] = true
		if r.RecordedTraceID != recordedTrace {
			t.Errorf("exchange %d: recorded trace id %q, want %q", i, r.RecordedTraceID, recordedTrace)
		}
	}
}

// TestReplayHasFreshTraceGRPC: the same over gRPC, read from the
// metadata the bookstore's endpoint receives.
func TestReplayHasFreshTraceGRPC(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := booktest.Start(t, nil, capture.Options{}, func(m string, next endpoint.Endpoint) endpoint.Endpoint {
		if m != bookstore.MethodGetBook {
			return next
		}
		return func(ctx context.Context, req any) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			mu.Lock()
			got = append(got, strings.Join(md.Get("traceparent"), ","))
			mu.Unlock()
			return next(ctx, req)
		}
	})
	s := &recorder.Session{Exchanges: []recorder.Exchange{{ID: "1", Transport: recorder.TransportGRPC, TraceID: recordedTrace,
		Request: recorder.Request{GRPCMethod: "/bookstore.v1.BookService/GetBook",
			Headers: map[string][]string{"traceparent": {recordedTP}}, Body: &recorder.Body{JSON: []byte(`{"id":"1"}`)}},
		Response: recorder.Response{GRPCCode: 5}}}}
	rp, err := recorder.NewReplayer(recorder.GRPCTarget(srv.Conn), recorder.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rp.Replay(t.Context(), s)
	if err != nil || rep.Passed != 1 {
		t.Fatalf("%+v, %v", rep, err)
	}
	mu.Lock()
	defer mu.Unlock()
	r := rep.Results[0]
	if len(got) != 1 || strings.Contains(got[0], recordedTrace) || r.TraceID == "" || !strings.Contains(got[0], r.TraceID) {
		t.Fatalf("server saw traceparent %q, report trace %q: want one fresh traceparent", got, r.TraceID)
	}
	if r.RecordedTraceID != recordedTrace {
		t.Errorf("recorded trace id %q, want %q", r.RecordedTraceID, recordedTrace)
	}
	// GetBook is marked NO_SIDE_EFFECTS in book.proto: safe.
	if !r.Safety.Safe || r.Safety.Why != "NO_SIDE_EFFECTS" {
		t.Errorf("safety %+v, want safe by NO_SIDE_EFFECTS", r.Safety)
	}
}
