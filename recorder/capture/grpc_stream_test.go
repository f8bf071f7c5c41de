package capture_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
	"google.golang.org/grpc/codes"
)

// streamIgnore are the volatile paths of the Book streams.
var streamIgnore = []string{"$..create_time"}

// waitFor waits until sink holds n exchanges and returns them in the
// order their calls started: a stream's exchange is appended when its
// handler returns, which may be after the client has seen the call end
// and made the next.
func waitFor(t *testing.T, sink *lockedSink, n int) []recorder.Exchange {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(sink.all()) < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	exs := sink.all()
	if len(exs) != n {
		t.Fatalf("recorded %d exchanges, want %d", len(exs), n)
	}
	// In the order the calls started, which a replay keeps.
	slices.SortStableFunc(exs, func(a, b recorder.Exchange) int { return a.Time.Compare(b.Time) })
	return exs
}

// byEndpoint returns the exchange of the named endpoint.
func byEndpoint(t *testing.T, exs []recorder.Exchange, name string) recorder.Exchange {
	t.Helper()
	for _, ex := range exs {
		if ex.Endpoint == name {
			return ex
		}
	}
	t.Fatalf("no %s exchange among %d", name, len(exs))
	return recorder.Exchange{}
}

// TestCaptureStreams records each kind of stream of the Book service over
// loopback gRPC, through a Capture and on the calls' goroutines: the
// messages each way in order with growing offsets, the kind, a watch the
// client cancelled, the status; then replays the recording against a
// fresh Book service, which matches.
func TestCaptureStreams(t *testing.T) {
	for _, mode := range []string{"capture", "sync"} {
		t.Run(mode, func(t *testing.T) {
			sink := new(lockedSink)
			srv := booktest.Start(t, sink, capture.Options{Service: "bookstore"}, nil, mode == "sync")
			n := booktest.StreamSession(t, srv.Conn)
			exs := waitFor(t, sink, n)

			watch := byEndpoint(t, exs, "WatchBooks")
			if watch.Stream == nil || watch.Stream.Kind != recorder.StreamServer || !watch.Stream.Cancelled ||
				watch.Response.GRPCCode != int(codes.Canceled) {
				t.Errorf("WatchBooks: stream %+v, code %d", watch.Stream, watch.Response.GRPCCode)
			}
			if len(watch.Request.Messages) != 1 || len(watch.Response.Messages) != 6 ||
				!bytes.Contains(watch.Response.Messages[2].Body.JSON, []byte(`"Ulysses"`)) ||
				!bytes.Contains(watch.Response.Messages[5].Body.JSON, []byte(`TYPE_CAUGHT_UP`)) {
				t.Errorf("WatchBooks messages %+v / %+v", watch.Request.Messages, watch.Response.Messages)
			}
			if watch.Request.Headers["authorization"] == nil || watch.Target != srv.GRPCAddr {
				t.Errorf("WatchBooks metadata %v, target %q", watch.Request.Headers, watch.Target)
			}
			imp := byEndpoint(t, exs, "ImportBooks")
			if imp.Stream.Kind != recorder.StreamClient || imp.Stream.Cancelled || imp.Response.GRPCCode != 0 ||
				len(imp.Request.Messages) != 3 || len(imp.Response.Messages) != 1 ||
				!bytes.Contains(imp.Response.Messages[0].Body.JSON, []byte(`"imported_count":2`)) {
				t.Errorf("ImportBooks %+v", imp)
			}
			sync := byEndpoint(t, exs, "SyncBooks")
			if sync.Stream.Kind != recorder.StreamBidi || len(sync.Request.Messages) != 2 || len(sync.Response.Messages) != 6 {
				t.Errorf("SyncBooks %+v", sync)
			}
			for _, ex := range []recorder.Exchange{watch, imp, sync} {
				for _, ms := range [][]recorder.Message{ex.Request.Messages, ex.Response.Messages} {
					for i := 1; i < len(ms); i++ {
						if ms[i].Offset < ms[i-1].Offset {
							t.Errorf("%s: message %d at %v, before the one before it (%v)", ex.Endpoint, i, ms[i].Offset, ms[i-1].Offset)
						}
					}
				}
			}
			if rep := replayOn(t, exs, recorder.ReplayOptions{Ignore: streamIgnore}); rep.Failed != 0 || rep.Passed != n {
				t.Errorf("replay: %d passed, %d failed:\n%s", rep.Passed, rep.Failed, explain(rep))
			}
		})
	}
}

// replayOn replays exs, redacted as a Writer would have, against a fresh
// Book service.
func replayOn(t *testing.T, exs []recorder.Exchange, opts recorder.ReplayOptions) *recorder.Report {
	t.Helper()
	for i := range exs {
		recorder.DefaultPolicy().Exchange(&exs[i])
	}
	fresh := booktest.Start(t, nil, capture.Options{}, nil)
	rp, err := recorder.NewReplayer(recorder.GRPCTarget(fresh.Conn), opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := rp.Replay(t.Context(), &recorder.Session{Exchanges: exs})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func explain(rep *recorder.Report) string {
	var b bytes.Buffer
	_ = rep.WriteText(&b)
	return b.String()
}

// TestCaptureStreamBound keeps the first messages of each stream up to
// Options.Stream and counts the rest; a replay compares the messages
// kept, and refuses a client stream it could not send whole.
func TestCaptureStreamBound(t *testing.T) {
	sink := new(lockedSink)
	srv := booktest.Start(t, sink, capture.Options{Stream: recorder.StreamLimits{Messages: 3}}, nil, booktest.Sync)
	exs := waitFor(t, sink, booktest.StreamSession(t, srv.Conn))
	watch := byEndpoint(t, exs, "WatchBooks")
	if len(watch.Request.Messages) != 1 || len(watch.Response.Messages) != 2 || watch.Response.Dropped != 4 {
		t.Errorf("WatchBooks kept %d+%d messages, dropped %d", len(watch.Request.Messages), len(watch.Response.Messages), watch.Response.Dropped)
	}
	imp := byEndpoint(t, exs, "ImportBooks")
	if len(imp.Request.Messages) != 3 || imp.Request.Dropped != 0 || len(imp.Response.Messages) != 0 || imp.Response.Dropped != 1 {
		t.Errorf("ImportBooks kept %+v", imp)
	}
	sync := byEndpoint(t, exs, "SyncBooks")
	if n := len(sync.Request.Messages) + len(sync.Response.Messages); n != 3 || sync.Request.Dropped+sync.Response.Dropped != 5 {
		t.Errorf("SyncBooks kept %d messages, dropped %d+%d", n, sync.Request.Dropped, sync.Response.Dropped)
	}
	rep := replayOn(t, exs, recorder.ReplayOptions{Ignore: streamIgnore})
	for _, r := range rep.Results {
		wantErr := r.Exchange.Endpoint == "SyncBooks" && r.Exchange.Request.Dropped > 0
		if wantErr != (r.Err != nil) || r.Err == nil && len(r.Diffs) > 0 {
			t.Errorf("%s", r.Explain())
		}
	}
}

// TestCaptureStreamRedacted records the stream session through a Writer:
// the file holds neither the metadata's token nor the JWT sent as a
// message's title.
func TestCaptureStreamRedacted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "streams.kitrec")
	w, err := recorder.Create(path, recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := booktest.Start(t, w, capture.Options{}, nil)
	booktest.StreamSession(t, srv.Conn)
	srv.Conn.Close()
	if err := srv.Capture.Close(); err != nil { // the handlers have returned: the connection is gone
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{booktest.Secrets.GRPCAuth, booktest.Secrets.BodyJWT} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("secret %q in the file", secret)
		}
	}
	if !bytes.Contains(raw, []byte(`"messages":[`)) || !bytes.Contains(raw, []byte(recorder.Placeholder)) {
		t.Errorf("no redacted stream in:\n%s", raw)
	}
}

// TestReplayPaced replays an ImportBooks whose client messages were
// recorded 40 ms apart with ReplayOptions.Pace: the call lasts at least
// as long as the recording's last offset (a bound a busy machine can only
// exceed), and still matches.
func TestReplayPaced(t *testing.T) {
	sink := new(lockedSink)
	srv := booktest.Start(t, sink, capture.Options{}, nil, booktest.Sync)
	exs := waitFor(t, sink, booktest.StreamSession(t, srv.Conn))
	var imp []recorder.Exchange
	for _, ex := range exs {
		if ex.Endpoint == "ImportBooks" {
			for i := range ex.Request.Messages {
				ex.Request.Messages[i].Offset = time.Duration(i) * 40 * time.Millisecond
			}
			imp = append(imp, ex)
		}
	}
	rep := replayOn(t, imp, recorder.ReplayOptions{Pace: true, Ignore: streamIgnore})
	if r := rep.Results[0]; !r.OK() || r.Duration < 80*time.Millisecond {
		t.Errorf("paced replay took %v: %s", r.Duration, r.Explain())
	}
}
