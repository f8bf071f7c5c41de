package capture_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// replayWithoutTarget replays exs against the targets they recorded (no
// target given), as `kitbench replay proxy.kitrec` does, and fails on any
// exchange that did not match.
func replayWithoutTarget(t *testing.T, exs []recorder.Exchange) {
	t.Helper()
	s := &recorder.Session{Header: recorder.Header{Ignore: booktest.Ignore}, Exchanges: exs}
	targets, err := recorder.DialSession(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer targets.Close()
	rp, err := recorder.NewReplayer(targets, recorder.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rp.Replay(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if !r.OK() {
			t.Errorf("%s", r.Explain())
		}
	}
	if rep.Passed != len(exs) {
		t.Errorf("replay: %d passed of %d", rep.Passed, len(exs))
	}
}

// TestHTTPProxyRecordsOrigin: the HTTP proxy records the backend as each
// exchange's target, so the session replays after the proxy has stopped.
func TestHTTPProxyRecordsOrigin(t *testing.T) {
	book := booktest.Start(t, nil, capture.Options{}, nil)
	sink := new(lockedSink)
	h, err := capture.Proxy(book.HTTPURL, sink, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	c := &http.Client{Transport: &http.Transport{}}
	for _, p := range []string{"/v1/books", "/v1/books/nope"} {
		resp, err := c.Get("http://" + ln.Addr().String() + p)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	c.CloseIdleConnections()
	_ = srv.Close()
	<-done

	exs := sink.all()
	backend := strings.TrimPrefix(book.HTTPURL, "http://")
	if len(exs) != 2 {
		t.Fatalf("%d exchanges recorded, want 2", len(exs))
	}
	for _, ex := range exs {
		if ex.Target != backend {
			t.Errorf("%s recorded with target %q, want the backend %q, not the proxy %s", ex.Name(), ex.Target, backend, ln.Addr())
		}
	}
	replayWithoutTarget(t, exs)
}

// TestGRPCProxyReplaysAfterStop: the gRPC proxy's recording replays with
// no target once the proxy has stopped.
func TestGRPCProxyReplaysAfterStop(t *testing.T) {
	book := booktest.Start(t, nil, capture.Options{}, nil)
	sink := new(lockedSink)
	bc, err := grpc.NewClient(book.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	p := capture.NewGRPCProxy(bc, sink, capture.Options{}, linked)
	srv := p.NewServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = bookpb.NewBookServiceClient(cc).ListBooks(t.Context(), &bookpb.ListBooksRequest{})
	_ = cc.Close()
	srv.Stop()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	exs := sink.all()
	if len(exs) != 1 || exs[0].Target != book.GRPCAddr {
		t.Fatalf("recorded %+v, want one exchange with target %s", exs, book.GRPCAddr)
	}
	replayWithoutTarget(t, exs)
}
