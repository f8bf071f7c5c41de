package introspect

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recorder is an http.ResponseWriter and http.Flusher for driving the
// /events stream inside a synctest bubble: writes wait on gate until it is
// closed, and everything written is kept.
type recorder struct {
	gate chan struct{}
	mu   sync.Mutex
	hdr  http.Header
	code int
	buf  bytes.Buffer
}

func newRecorder(open bool) *recorder {
	r := &recorder{gate: make(chan struct{}), hdr: http.Header{}}
	if open {
		close(r.gate)
	}
	return r
}

func (r *recorder) Header() http.Header { return r.hdr }
func (r *recorder) WriteHeader(code int) {
	r.mu.Lock()
	r.code = code
	r.mu.Unlock()
}
func (r *recorder) Write(b []byte) (int, error) {
	<-r.gate
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(b)
}
func (r *recorder) Flush() {}

// frames parses everything written so far.
func (r *recorder) frames(t *testing.T) []sseFrame {
	t.Helper()
	r.mu.Lock()
	data := r.buf.String()
	r.mu.Unlock()
	br := bufio.NewReader(strings.NewReader(data))
	var out []sseFrame
	for {
		f, err := readFrame(br)
		if err != nil {
			return out
		}
		out = append(out, f)
	}
}

// startStream serves /events into rec in a goroutine and returns a function
// that disconnects the client and waits for the handler to return.
func startStream(h *Handler, rec *recorder) (disconnect func()) {
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, "GET", PathPrefix+"/events", nil)
	req.Host = "127.0.0.1" // not a connection: only loopback names pass the Host check
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(rec, req)
	}()
	return func() {
		cancel()
		<-done
	}
}

func TestEventsHeartbeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHandler(NewRegistry(Info{}))
		defer h.Close()
		rec := newRecorder(true)
		disconnect := startStream(h, rec)
		defer disconnect()

		synctest.Wait()
		if n := len(rec.frames(t)); n != 1 {
			t.Fatalf("before the first heartbeat: %d frames", n)
		}
		time.Sleep(DefaultHeartbeat - time.Nanosecond)
		synctest.Wait()
		if n := len(rec.frames(t)); n != 1 {
			t.Fatalf("heartbeat came early: %d frames", n)
		}
		time.Sleep(time.Nanosecond + 2*DefaultHeartbeat)
		synctest.Wait()
		fs := rec.frames(t)
		if len(fs) != 4 || rec.code != 200 {
			t.Fatalf("after three heartbeats: %d frames, status %d: %+v", len(fs), rec.code, fs)
		}
		for _, f := range fs[1:] {
			if f.event != "" || len(f.comments) != 1 || f.comments[0] != "heartbeat" {
				t.Errorf("heartbeat frame %+v", f)
			}
		}
	})
}

func TestEventsDropNotice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := NewRegistry(Info{})
		h := NewHandler(reg, WithEventBuffer(2))
		defer h.Close()
		rec := newRecorder(false) // the client does not read yet
		disconnect := startStream(h, rec)
		defer disconnect()
		synctest.Wait() // subscribed; blocked writing the opening comment

		lim := func(n uint64) Event {
			return Event{Type: EventLimiter, Limiter: &LimiterRejections{Name: "l", Total: n}}
		}
		for i := uint64(1); i <= 10; i++ {
			reg.Publish(lim(i)) // the first two fill the buffer, 8 are dropped
		}
		close(rec.gate) // the client reads again
		synctest.Wait()

		fs := rec.frames(t)[1:]
		want := []struct {
			event, id string
			total     uint64
		}{{"limiter", "1", 1}, {"dropped", "2", 0}, {"limiter", "3", 2}}
		if len(fs) != len(want) {
			t.Fatalf("frames: %+v", fs)
		}
		for i, w := range want {
			if fs[i].event != w.event || fs[i].id != w.id {
				t.Errorf("frame %d: %+v, want %s id %s", i, fs[i], w.event, w.id)
			}
		}
		if !strings.Contains(fs[1].data, `"dropped":8`) || !strings.Contains(fs[2].data, `"total":2`) {
			t.Errorf("frames: %+v", fs)
		}
		if reg.Dropped() != 8 {
			t.Errorf("Registry.Dropped = %d, want 8", reg.Dropped())
		}
	})
}

func TestEventsCloseInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := NewRegistry(Info{})
		h := NewHandler(reg)
		rec := newRecorder(true)
		disconnect := startStream(h, rec)
		synctest.Wait()
		if err := h.Close(); err != nil { // returns only once the stream has ended
			t.Fatal(err)
		}
		disconnect()
		reg.subMu.Lock()
		n := len(reg.subs)
		reg.subMu.Unlock()
		if n != 0 {
			t.Errorf("%d subscriptions left after Close", n)
		}
	})
}
