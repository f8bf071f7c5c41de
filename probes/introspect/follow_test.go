package introspect_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
)

// recorder collects the updates of one Follow call.
type recorder struct {
	mu      sync.Mutex
	updates []introspect.Update
}

func (r *recorder) emit(u introspect.Update) {
	r.mu.Lock()
	r.updates = append(r.updates, u)
	r.mu.Unlock()
}

// wait polls, with a generous deadline, for an update that satisfies ok.
func (r *recorder) wait(t *testing.T, what string, ok func(introspect.Update) bool) introspect.Update {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for seen := 0; ; {
		r.mu.Lock()
		us := r.updates[seen:]
		seen = len(r.updates)
		r.mu.Unlock()
		for _, u := range us {
			if ok(u) {
				return u
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no update with %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// follow runs c.Follow until the test ends.
func follow(t *testing.T, c *introspect.Client) *recorder {
	t.Helper()
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Follow(ctx, 0, rec.emit) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Follow returned %v", err)
		}
	})
	return rec
}

func mode(m introspect.Mode) func(introspect.Update) bool {
	return func(u introspect.Update) bool { return u.Kind == introspect.KindStatus && u.Mode == m }
}

func TestFollowStream(t *testing.T) { bothStreams(t, testFollowStream) }

func testFollowStream(t *testing.T, dial streamDial) {
	testutil.NoLeaks(t)
	reg := newRegistry()
	addr, stop := admin(t, reg)
	c, _ := introspect.New(addr, introspect.Options{StreamDial: dial, Interval: 20 * time.Millisecond, BackoffMin: 10 * time.Millisecond})
	rec := follow(t, c)

	rec.wait(t, "info", func(u introspect.Update) bool { return u.Kind == introspect.KindInfo && u.Info.Service == "books" })
	rec.wait(t, "catch-up spans", func(u introspect.Update) bool { return u.Kind == introspect.KindSpans && len(u.Spans) == 2 })
	rec.wait(t, "stream mode", mode(introspect.ModeStream))

	reg.Publish(wire.Event{Type: wire.EventBreaker, Breaker: &wire.BreakerTransition{Name: "GetBook", From: "closed", To: "open"}})
	reg.Publish(wire.Event{Type: wire.EventSpan, Span: &wire.Span{Cursor: 1, SpanID: "dup"}}) // already fetched
	reg.Publish(wire.Event{Type: wire.EventSpan, Span: &wire.Span{Cursor: 3, SpanID: "s3"}})
	rec.wait(t, "breaker event", func(u introspect.Update) bool {
		return u.Kind == introspect.KindEvent && u.Event.Breaker != nil && u.Event.Breaker.To == "open"
	})
	rec.wait(t, "span event", func(u introspect.Update) bool {
		return u.Kind == introspect.KindEvent && u.Event.Span != nil && u.Event.Span.SpanID == "s3"
	})
	rec.mu.Lock()
	for _, u := range rec.updates {
		if u.Kind == introspect.KindEvent && u.Event.Span != nil && u.Event.Span.SpanID == "dup" {
			t.Error("a span already fetched by cursor was delivered again")
		}
	}
	rec.mu.Unlock()

	stop()
	down := rec.wait(t, "down", mode(introspect.ModeDown))
	if down.Err == nil {
		t.Fatal("down without an error")
	}
}

// noEvents serves the protocol but answers /events with 404, like an older
// or partial implementation.
func TestFollowPollsWithoutStream(t *testing.T) { bothStreams(t, testFollowPollsWithoutStream) }

func testFollowPollsWithoutStream(t *testing.T, dial streamDial) {
	testutil.NoLeaks(t)
	reg := newRegistry()
	h := wire.NewHandler(reg)
	defer h.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := introspect.New(srv.URL, introspect.Options{StreamDial: dial, Interval: 20 * time.Millisecond})
	rec := follow(t, c)
	u := rec.wait(t, "poll mode", mode(introspect.ModePoll))
	if !errors.Is(u.Err, introspect.ErrNoStream) {
		t.Fatalf("poll mode because of %v, want ErrNoStream", u.Err)
	}
	rec.wait(t, "polled spans", func(u introspect.Update) bool { return u.Kind == introspect.KindSpans && len(u.Spans) == 2 })
	rec.wait(t, "polled breakers", func(u introspect.Update) bool { return u.Kind == introspect.KindBreakers && len(u.Breakers) == 1 })
}

func TestFollowHostileStream(t *testing.T) { bothStreams(t, testFollowHostileStream) }

func testFollowHostileStream(t *testing.T, dial streamDial) {
	testutil.NoLeaks(t)
	h := wire.NewHandler(newRegistry())
	defer h.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/events") {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: breaker\ndata: \x1b]0;pwned\x07 not json\n\n")           // garbage
		fmt.Fprint(w, "event: span\ndata: "+strings.Repeat("A", 100<<10)+"\n\n")       // oversized
		fmt.Fprint(w, "event: span\ndata: {\"type\":\"span\",\"span\":{\"cursor\":9,") // truncated
	}))
	defer srv.Close()
	c, _ := introspect.New(srv.URL, introspect.Options{StreamDial: dial, Interval: 20 * time.Millisecond, MaxEvent: 16 << 10})
	rec := follow(t, c)
	rec.wait(t, "garbage reported", func(u introspect.Update) bool {
		return u.Kind == introspect.KindProblem && errors.Is(u.Err, introspect.ErrBadResponse)
	})
	rec.wait(t, "oversized event reported", func(u introspect.Update) bool {
		return u.Kind == introspect.KindProblem && errors.Is(u.Err, introspect.ErrTooLarge)
	})
	rec.wait(t, "truncation reported, polling", func(u introspect.Update) bool {
		return u.Kind == introspect.KindStatus && u.Mode == introspect.ModePoll && errors.Is(u.Err, introspect.ErrTruncated)
	})
}

// streamDial is Options.StreamDial's type.
type streamDial = func(ctx context.Context, network, addr string) (net.Conn, error)

// bothStreams runs a test of Follow with the event stream through
// net/http and on a connection of its own (Options.StreamDial).
func bothStreams(t *testing.T, test func(*testing.T, streamDial)) {
	t.Run("stream=http", func(t *testing.T) { test(t, nil) })
	t.Run("stream=own", func(t *testing.T) { test(t, (&net.Dialer{}).DialContext) })
}

// TestFollowStreamUnauthorized: an /events that refuses the token is
// reported as such, whichever way the stream is opened.
func TestFollowStreamUnauthorized(t *testing.T) { bothStreams(t, testFollowStreamUnauthorized) }

func testFollowStreamUnauthorized(t *testing.T, dial streamDial) {
	testutil.NoLeaks(t)
	h := wire.NewHandler(newRegistry())
	defer h.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			http.Error(w, `{"error":"no"}`, http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := introspect.New(srv.URL, introspect.Options{StreamDial: dial, Token: "wrong", Interval: 20 * time.Millisecond, BackoffMin: 10 * time.Millisecond})
	rec := follow(t, c)
	u := rec.wait(t, "down", mode(introspect.ModeDown))
	if !errors.Is(u.Err, introspect.ErrUnauthorized) {
		t.Fatalf("down because of %v, want ErrUnauthorized", u.Err)
	}
}

// drainer stands for a registration, so the handler has a control to
// set: kit/instance's tests drain a real one.
type drainer struct{}

func (drainer) Drain(context.Context) error   { return nil }
func (drainer) Undrain(context.Context) error { return nil }

// While polling, Follow learns of a control set or cleared from /info,
// which it emits again only when the controls changed.
func TestFollowPollsControls(t *testing.T) {
	testutil.NoLeaks(t)
	reg := newRegistry()
	reg.SetDrainer(drainer{})
	h := wire.NewHandler(reg, wire.WithControls(wire.ControlPolicy{}))
	defer h.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := introspect.New(srv.URL, introspect.Options{Interval: 20 * time.Millisecond})
	rec := follow(t, c)
	rec.wait(t, "poll mode", mode(introspect.ModePoll))
	infos := func() (n int) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, u := range rec.updates {
			if u.Kind == introspect.KindInfo {
				n++
			}
		}
		return n
	}
	rec.wait(t, "polled breakers", func(u introspect.Update) bool { return u.Kind == introspect.KindBreakers })
	rec.wait(t, "polled breakers again", func(u introspect.Update) bool { return u.Kind == introspect.KindBreakers })
	if n := infos(); n != 1 {
		t.Fatalf("%d /info updates with no change, want the first alone", n)
	}
	if _, err := c.SetControl(t.Context(), wire.ControlDrain, "", wire.ControlRequest{}); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "the drain in /info", func(u introspect.Update) bool {
		return u.Kind == introspect.KindInfo && len(u.Info.Controls) == 1 && u.Info.Controls[0].Kind == wire.ControlDrain
	})
	if _, err := c.ClearControls(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "no control in /info", func(u introspect.Update) bool { return u.Kind == introspect.KindInfo && len(u.Info.Controls) == 0 })
}
