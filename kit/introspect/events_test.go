package introspect

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"go.uber.org/goleak"
)

// sseFrame is one parsed server-sent event (or a comment-only block).
type sseFrame struct {
	event, id, data string
	comments        []string
}

// readFrame reads one blank-line-terminated block of the stream.
func readFrame(r *bufio.Reader) (sseFrame, error) {
	var f sseFrame
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return f, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			return f, nil
		case strings.HasPrefix(line, ":"):
			f.comments = append(f.comments, strings.TrimSpace(line[1:]))
		case strings.HasPrefix(line, "event: "):
			f.event = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			f.id = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			f.data = line[len("data: "):]
		}
	}
}

// readEvent reads frames until one that carries an event.
func readEvent(t *testing.T, r *bufio.Reader) (sseFrame, Event) {
	t.Helper()
	for {
		f, err := readFrame(r)
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		if f.event == "" {
			continue
		}
		var e Event
		if err := json.Unmarshal([]byte(f.data), &e); err != nil {
			t.Fatalf("data of %q: %v", f.event, err)
		}
		if e.Type != f.event {
			t.Fatalf("event: %q but data type %q", f.event, e.Type)
		}
		return f, e
	}
}

// openStream connects to /events over a client of its own, reads the
// stream's opening comment (so the subscription exists), and returns the
// reader and a function that disconnects.
func openStream(t *testing.T, srv *httptest.Server) (*bufio.Reader, func()) {
	t.Helper()
	tr := &http.Transport{}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+PathPrefix+"/events", nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	f, err := readFrame(r)
	if err != nil || len(f.comments) == 0 || !strings.Contains(f.comments[0], "v1") {
		t.Fatalf("opening comment: %+v %v", f, err)
	}
	return r, func() {
		cancel()
		resp.Body.Close()
		tr.CloseIdleConnections()
	}
}

func TestEventsStream(t *testing.T) {
	reg := NewRegistry(Info{Service: "books"})
	srv := serve(t, reg)
	baseline := goleak.IgnoreCurrent()

	r, disconnect := openStream(t, srv)
	events := fixedEvents()[:3] // breaker, limiter, span
	for _, e := range events {
		reg.Publish(e)
	}
	for i, want := range events {
		f, got := readEvent(t, r)
		if f.id != fmt.Sprint(i+1) {
			t.Errorf("event %d: id %q", i, f.id)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	disconnect()
	testutil.VerifyNone(t, baseline) // the stream's goroutine and connection are gone
}

// bigPayload makes one event larger than any socket buffer, so that a
// single write to a client that does not read stalls.
var bigPayload = strings.Repeat("x", 1<<20)

func bigSpanEvent(i int) Event {
	return Event{Type: EventSpan, Span: &Span{Cursor: uint64(i), Name: "big",
		Attributes: map[string]string{"payload": bigPayload}}}
}

// smallBuffers makes a test server whose connections have small socket
// send buffers, so that a client that does not read stalls the server's
// writes after a few kilobytes.
func smallBuffers(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = smallBufListener{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

type smallBufListener struct{ net.Listener }

func (l smallBufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// rawStream opens /events on a bare TCP connection and reads up to the end
// of the opening comment, so the subscription exists; then it is up to the
// test whether to read any further.
func rawStream(t *testing.T, srv *httptest.Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET %s/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", PathPrefix)
	r := bufio.NewReaderSize(conn, 1024)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "retry:") {
			break
		}
	}
	return conn, r
}

// stall publishes big events one at a time until one stays queued: a
// stream is then stuck writing to a client that does not read. It returns
// how many events it published.
func stall(t *testing.T, reg *Registry) int {
	t.Helper()
	queued := func() bool {
		reg.subMu.Lock()
		defer reg.subMu.Unlock()
		for s := range reg.subs {
			if len(s.ch) > 0 {
				return true
			}
		}
		return false
	}
	for i := 1; i <= 100; i++ {
		reg.Publish(bigSpanEvent(i))
		// A stream that is not stuck takes an event within microseconds;
		// one that keeps it this long is blocked in a write.
		for wait := 0; wait < 200 && queued(); wait++ {
			time.Sleep(time.Millisecond)
		}
		if queued() {
			return i
		}
	}
	t.Fatal("no stream stalled: the client reads after all?")
	return 0
}

// publishAll publishes n events and fails the test if Publish does not
// return within a generous bound (it must never wait for a client).
func publishAll(t *testing.T, reg *Registry, n int) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= n; i++ {
			reg.Publish(bigSpanEvent(1000 + i))
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Publish blocked on a client that does not read")
	}
}

func TestEventsSlowClientDoesNotBlockPublish(t *testing.T) {
	reg := NewRegistry(Info{})
	h := NewHandler(reg, WithEventBuffer(4))
	defer h.Close()
	srv := smallBuffers(t, h)
	baseline := goleak.IgnoreCurrent()

	conn, _ := rawStream(t, srv) // and never read from it here
	const more = 2000
	n := uint64(stall(t, reg) + more)
	publishAll(t, reg, more)
	if reg.Dropped() == 0 {
		t.Fatal("no event was dropped, so the client was never slow")
	}

	// Now read: every event is either delivered or counted in a
	// "dropped" event, so the two add up to n exactly.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReaderSize(conn, 2<<20)
	var delivered, dropped, notices uint64
	for delivered+dropped < n {
		f, err := readFrame(r)
		if err != nil {
			t.Fatalf("after %d delivered + %d dropped: %v", delivered, dropped, err)
		}
		switch f.event {
		case EventSpan:
			delivered++
		case EventDropped:
			var e Event
			if err := json.Unmarshal([]byte(f.data), &e); err != nil || e.Dropped == 0 {
				t.Fatalf("dropped event %q: %v", f.data, err)
			}
			dropped += e.Dropped
			notices++
		}
	}
	if delivered+dropped != n || notices == 0 {
		t.Errorf("delivered %d + dropped %d (in %d notices), want %d with a notice", delivered, dropped, notices, n)
	}
	conn.Close()
	testutil.VerifyNone(t, baseline)
}

func TestEventsCloseEndsStreams(t *testing.T) {
	reg := NewRegistry(Info{})
	h := NewHandler(reg, WithEventBuffer(4))
	// A stalled write would outlast the test without Close's unblocking.
	h.writeTO = time.Hour
	srv := smallBuffers(t, h)
	baseline := goleak.IgnoreCurrent()

	reading, _ := openStream(t, srv)
	stalled, _ := rawStream(t, srv)
	defer stalled.Close()
	stall(t, reg)
	publishAll(t, reg, 1000)
	if reg.Dropped() == 0 {
		t.Fatal("no event was dropped, so no stream was stalled")
	}

	closed := make(chan error, 1)
	go func() { closed <- h.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not end a stream blocked in a write")
	}
	// The reading client sees the end of its stream.
	for {
		if _, err := readFrame(reading); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Logf("stream ended with %v", err)
			}
			break
		}
	}
	code, _, body := get(t, srv, "GET", PathPrefix+"/events", "")
	if code != 503 || !strings.Contains(string(body), "closed") {
		t.Errorf("events after Close: %d %s", code, body)
	}
	if code, _, _ := get(t, srv, "GET", PathPrefix+"/info", ""); code != 200 {
		t.Errorf("info after Close: %d", code)
	}
	stalled.Close()
	srv.CloseClientConnections()
	testutil.VerifyNone(t, baseline)
}
