package bookstore_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/rectest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// streamSession is the recorded session of the Book streams.
const streamSession = "testdata/books_streams.kitrec"

var record = flag.Bool("record", false, "record "+streamSession+" again, through capture's gRPC recording proxy in front of a fresh instance")

// TestReplayStreamSession replays the recorded streams against a fresh
// instance: three books created, an ImportBooks (client stream), a
// SyncBooks (bidirectional) and a WatchBooks (server stream) read up to
// its caught-up marker and cancelled — replay reads as many messages as
// were recorded, compares them, and cancels in turn. Record it again with
//
//	go test ./examples/bookstore -run TestReplayStreamSession -record
func TestReplayStreamSession(t *testing.T) {
	if *record {
		recordStreams(t, streamSession)
	}
	rectest.Replay(t, streamSession, recorder.GRPCTarget(dialInstance(t)))
}

// TestReplayReportsChangedMessage changes the third message of the
// recorded WatchBooks (the third book) and replays: only that exchange
// fails, and the difference names the message and the field.
func TestReplayReportsChangedMessage(t *testing.T) {
	path := changedSession(t)
	rp, err := recorder.NewReplayer(recorder.GRPCTarget(dialInstance(t)), recorder.ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rp.Replay(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 1 || rep.Passed != len(s.Exchanges)-1 {
		t.Fatalf("%d passed, %d failed", rep.Passed, rep.Failed)
	}
	for _, r := range rep.Results {
		if r.OK() {
			continue
		}
		want := []recorder.Diff{{Path: "$.messages[2].book.title", Want: `"Ulysses (changed)"`, Got: `"Ulysses"`}}
		if r.Exchange.Endpoint != "WatchBooks" || !slices.Equal(r.Diffs, want) {
			t.Errorf("%s", r.Explain())
		}
	}

	// The same under go test: rectest fails the WatchBooks subtest only.
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperChangedStream$", "-test.v")
	cmd.Env = append(os.Environ(), "CHANGED_STREAM_FILE="+path, rectest.UpdateEnv+"=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a changed stream passed:\n%s", out)
	}
	for _, w := range []string{"--- FAIL: TestHelperChangedStream/006_/bookstore.v1.BookService/WatchBooks",
		`$.messages[2].book.title: want "Ulysses (changed)", got "Ulysses"`,
		"--- PASS: TestHelperChangedStream/004_/bookstore.v1.BookService/ImportBooks",
		"--- PASS: TestHelperChangedStream/005_/bookstore.v1.BookService/SyncBooks"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestHelperChangedStream(t *testing.T) {
	path := os.Getenv("CHANGED_STREAM_FILE")
	if path == "" {
		return // only run as the child of TestReplayReportsChangedMessage
	}
	rectest.Replay(t, path, recorder.GRPCTarget(dialInstance(t)))
}

// changedSession copies the stream session with the title in the third
// WatchBooks message changed.
func changedSession(t *testing.T) string {
	t.Helper()
	s, err := recorder.ReadFile(streamSession, recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "changed.kitrec")
	w, err := recorder.Create(path, s.Header, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed := false
	for _, ex := range s.Exchanges {
		if ex.Endpoint == "WatchBooks" {
			msgs := slices.Clone(ex.Response.Messages)
			old := string(msgs[2].Body.JSON)
			msgs[2].Body = &recorder.Body{JSON: []byte(strings.Replace(old, `"Ulysses"`, `"Ulysses (changed)"`, 1))}
			changed = string(msgs[2].Body.JSON) != old
			ex.Response.Messages = msgs
		}
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Fatalf("%s: no WatchBooks exchange whose third message is Ulysses", streamSession)
	}
	return path
}

// dialInstance starts a fresh instance and returns a connection to its
// gRPC listener.
func dialInstance(t *testing.T) *grpc.ClientConn {
	t.Helper()
	inst := freshInstance(t)
	cc, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// sink keeps the exchanges the proxy records.
type sink struct {
	mu  sync.Mutex
	exs []recorder.Exchange
}

func (s *sink) Append(ex recorder.Exchange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exs = append(s.exs, ex)
	return nil
}

func (s *sink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.exs)
}

// recordStreams records the stream session for real: a fresh instance
// behind capture's gRPC recording proxy, which reads messages with the
// linked descriptors, and the calls of streamCalls through it.
func recordStreams(t *testing.T, path string) {
	inst := freshInstance(t)
	backend, err := grpc.NewClient(inst.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	rec := new(sink)
	p := capture.NewGRPCProxy(backend, rec, capture.Options{Service: "bookstore", Instance: "bookstore-rec"}, linkedMethod)
	srv := p.NewServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }()
	defer func() { srv.Stop(); <-served }()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	n := streamCalls(t, bookpb.NewBookServiceClient(cc))
	// A stream's exchange is appended when the proxy's handler returns,
	// which may be after the client saw the call end.
	for deadline := time.Now().Add(10 * time.Second); rec.len() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	srv.Stop()
	<-served
	if rec.len() != n {
		t.Fatalf("recorded %d exchanges, want %d", rec.len(), n)
	}
	exs := rec.exs
	slices.SortStableFunc(exs, func(a, b recorder.Exchange) int { return a.Time.Compare(b.Time) })
	w, err := recorder.Create(path, recorder.Header{Service: "bookstore", Tool: "capture.GRPCProxy",
		Ignore: []string{"$..create_time"},
		Note:   "gRPC streams of bookstore.v1.BookService, recorded by go test -run TestReplayStreamSession -record"},
		recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		if err := w.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d exchanges in %s", n, path)
}

// linkedMethod describes a method from the descriptors linked into the
// test binary.
func linkedMethod(_ context.Context, full string) (protoreflect.MethodDescriptor, bool) {
	name := strings.ReplaceAll(strings.TrimPrefix(full, "/"), "/", ".")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil, false
	}
	md, ok := d.(protoreflect.MethodDescriptor)
	return md, ok
}

// streamCalls makes the session's calls and returns how many. The watch
// comes last, read up to its caught-up marker and then cancelled: that is
// its bound, since a watch never ends by itself, and nothing changes
// after it, so that no change can be recorded that its client never read.
func streamCalls(t *testing.T, c bookpb.BookServiceClient) int {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, title := range []string{"Dune", "Emma", "Ulysses"} {
		if _, err := c.CreateBook(ctx, &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: title, Author: "A. Author", Year: 1922}}); err != nil {
			t.Fatal(err)
		}
	}
	imp, err := c.ImportBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []*bookpb.Book{{Title: "Kim", Author: "Kipling", Year: 1901}, {Title: ""}, {Title: "Solaris", Author: "Lem", Year: 1961}} {
		if err := imp.Send(&bookpb.ImportBooksRequest{Book: b}); err != nil {
			t.Fatal(err)
		}
	}
	if sum, err := imp.CloseAndRecv(); err != nil || sum.ImportedCount != 2 {
		t.Fatalf("ImportBooks: %v %v", sum, err)
	}
	sync, err := c.SyncBooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old := timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, id := range []string{"0000000000000001", "0000000000000099"} {
		if err := sync.Send(&bookpb.SyncBooksRequest{Id: id, CreateTime: old}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sync.CloseSend(); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := sync.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	watch, err := c.WatchBooks(wctx, &bookpb.WatchBooksRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := watch.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if ev.GetType() == bookpb.BookEvent_TYPE_CAUGHT_UP {
			break
		}
	}
	stop()
	if _, err := watch.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("WatchBooks after cancel: %v", err)
	}
	return 6
}

// TestStreamSafety classifies the recorded streams as a safe replay does:
// WatchBooks only reads (NO_SIDE_EFFECTS); ImportBooks and SyncBooks are
// not marked so, and are writes.
func TestStreamSafety(t *testing.T) {
	s, err := recorder.ReadFile(streamSession, recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := recorder.NewReplayer(recorder.GRPCTarget(dialInstance(t)), recorder.ReplayOptions{Writes: recorder.WritesSkip})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"WatchBooks": true, "ImportBooks": false, "SyncBooks": false}
	for i := range s.Exchanges {
		ex := &s.Exchanges[i]
		if w, ok := want[ex.Endpoint]; ok {
			if got := rp.Classify(t.Context(), ex); got.Safe != w {
				t.Errorf("%s: %+v, want safe=%v", ex.Endpoint, got, w)
			}
		}
	}
}
