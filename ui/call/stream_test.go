package call_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// fakeStream answers Next from a queue the test fills; it never blocks:
// the test runs the view's waiting command only when a message is queued
// (or the stream has ended), as a real stream would answer it then.
type fakeStream struct {
	mu       sync.Mutex
	kind     string
	queue    []string
	sent     []string
	closed   bool
	canceled bool
	nexts    int
}

func (s *fakeStream) Kind() string { return s.kind }

func (s *fakeStream) Next(context.Context) ([]byte, time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nexts++
	if len(s.queue) == 0 {
		return nil, 0, false // the test only runs Next once something is there
	}
	b := s.queue[0]
	s.queue = s.queue[1:]
	return []byte(b), time.Duration(s.nexts) * 250 * time.Millisecond, true
}

func (s *fakeStream) Send(_ context.Context, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("half-closed")
	}
	s.sent = append(s.sent, string(b))
	return nil
}

func (s *fakeStream) CloseSend() { s.mu.Lock(); s.closed = true; s.mu.Unlock() }
func (s *fakeStream) Cancel()    { s.mu.Lock(); s.canceled = true; s.mu.Unlock() }

func (s *fakeStream) End() (call.Response, error) {
	status := "OK"
	if s.canceled {
		status = "CANCELLED"
	}
	return call.Response{Instance: "book-1", Transport: "grpc", Method: "/bookstore.v1.BookService/WatchBooks", Status: status, OK: !s.canceled, Latency: time.Second}, nil
}

func (s *fakeStream) push(bodies ...string) {
	s.mu.Lock()
	s.queue = append(s.queue, bodies...)
	s.mu.Unlock()
}

// streamView is the call view alone, so that the test runs each command
// itself, when the fake stream has something to answer.
func streamView(t *testing.T, s *fakeStream, h int) (*call.View, *fakeHistory) {
	t.Helper()
	st := styles.New(colorprofile.NoTTY)
	hist := &fakeHistory{}
	fc := &fakeCaller{answer: func(call.Request) (call.Response, error) { return call.Response{Stream: s}, nil }}
	v := call.New(&st, keys.Default(), call.Deps{Caller: fc, History: hist}, call.Options{})
	v.SetSize(120, h)
	for _, m := range fleet() {
		v.Update(ui.Received[hub.Msg]{Value: m})
	}
	return v, hist
}

// do sends msg to v and returns the command it answers with.
func do(v *call.View, msg tea.Msg) tea.Cmd {
	_, cmd := v.Update(msg)
	return cmd
}

func TestServerStreamLiveAndFollowing(t *testing.T) {
	s := &fakeStream{kind: "server_stream"}
	v, hist := streamView(t, s, 16)
	do(v, press("j"))
	do(v, press("j"))
	do(v, press("enter"))
	next := do(v, do(v, press("ctrl+s"))()) // the call opens the stream: the view waits for a message
	if s.nexts != 0 || next == nil {
		t.Fatalf("the view should wait for the first message in a command (nexts %d)", s.nexts)
	}
	for i := range 30 {
		s.push(`{"type":"TYPE_CREATED","book":{"title":"Book ` + strconv.Itoa(i) + `"}}`)
		next = do(v, next())
	}
	screen := v.View()
	for _, want := range []string{"● server stream · 30 messages · 4.0/s", "ctrl+x cancels", `"Book 29"`} {
		if !strings.Contains(screen, want) {
			t.Errorf("live screen lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, `"Book 0"`) {
		t.Errorf("the pane should follow the newest messages:\n%s", screen)
	}
	if cmd := do(v, press("ctrl+s")); cmd == nil || s.sent != nil {
		t.Error("ctrl+s on a server stream should say no and send nothing")
	}
	// Scrolled up, the pane stays put as messages arrive.
	do(v, press("esc"))
	do(v, press("home"))
	s.push(`{"type":"TYPE_DELETED","book":{"title":"Book 30"}}`)
	next = do(v, next())
	if screen = v.View(); !strings.Contains(screen, `"Book 0"`) || strings.Contains(screen, `"Book 30"`) || !strings.Contains(screen, "31 messages") {
		t.Errorf("scrolled to the top, the pane should stay there:\n%s", screen)
	}
	// ctrl+x cancels; the stream's end is the answer, saved in the history.
	do(v, press("ctrl+x"))()
	save := do(v, next()) // Next: no more messages; End
	if !s.canceled || save == nil {
		t.Fatalf("cancel: canceled %v", s.canceled)
	}
	do(v, save())
	if screen = v.View(); !strings.Contains(screen, "✗ CANCELLED") || !strings.Contains(screen, "server stream · 31 messages") || len(hist.entries) != 1 {
		t.Errorf("after the end:\n%s\nhistory %v", screen, hist.entries)
	}
}

func TestBidiStreamSendsHalfClosesAndEnds(t *testing.T) {
	s := &fakeStream{kind: "bidi_stream"}
	v, _ := streamView(t, s, 30)
	do(v, press("j"))
	do(v, press("j"))
	do(v, press("enter")) // editing ListBooks' example
	next := do(v, do(v, press("ctrl+s"))())
	// The editor holds the next message; ctrl+s sends it, while editing.
	do(v, press("ctrl+a"))
	for _, r := range `{"id":"2"}` {
		do(v, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	send := do(v, press("ctrl+s"))
	if send == nil || len(s.sent) != 0 {
		t.Fatal("ctrl+s should send in a command")
	}
	do(v, send())
	if len(s.sent) != 1 || !strings.Contains(s.sent[0], `{"id":"2"}`) || !strings.Contains(v.View(), "2 sent") {
		t.Fatalf("sent %q:\n%s", s.sent, v.View())
	}
	s.push(`{"id":"2","change":"CHANGE_UNCHANGED"}`)
	next = do(v, next())
	if !strings.Contains(v.View(), "CHANGE_UNCHANGED") || !strings.Contains(v.View(), "ctrl+d ends sending") {
		t.Errorf("the answer should show live:\n%s", v.View())
	}
	do(v, press("ctrl+d"))()
	if !s.closed || !strings.Contains(v.View(), "sending ended") {
		t.Errorf("ctrl+d should half-close:\n%s", v.View())
	}
	if cmd := do(v, press("ctrl+s")); cmd == nil || len(s.sent) != 1 {
		t.Error("after the half-close ctrl+s should say no")
	}
	s.push(`{"id":"3","change":"CHANGE_ADDED"}`)
	next = do(v, next())
	do(v, next()) // the end
	if screen := v.View(); !strings.Contains(screen, "✓ OK") || !strings.Contains(screen, "bidi stream · 2 messages") || !strings.Contains(screen, "CHANGE_ADDED") {
		t.Errorf("after the end:\n%s", screen)
	}
}
