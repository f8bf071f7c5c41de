package dashboard_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

// pickMethod filters the call view's list down to method and opens it in
// the editor, then leaves the editor (the keys then act on the view).
func pickMethod(t *testing.T, s *tmuxtest.Session, method string) {
	t.Helper()
	s.SendKeys("/")
	s.SendKeys("C-u")
	s.Type(method)
	s.SendKeys("Enter")
	s.WaitFor("Call 1/1 · /"+method, 10*time.Second)
	s.SendKeys("Enter")
	s.WaitFor("editing: esc stops", 10*time.Second)
	s.SendKeys("Escape")
	s.WaitFor("e edits", 10*time.Second)
}

var liveCount = regexp.MustCompile(`● server stream · (\d+) messages`)

// TestStreamsInTmux runs `kitbench demo` and, in the call view, watches
// the books (WatchBooks): the current ones, then a book the demo's traffic
// creates arriving on the open stream, with the count growing; ctrl+x
// cancels it. Then it syncs (SyncBooks): ctrl+s opens the stream with the
// editor's message and sends it again, ctrl+d ends sending and the server
// finishes with the books not mentioned.
func TestStreamsInTmux(t *testing.T) {
	bin := buildKitbench(t)
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 30},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--seed", "7")
	s.WaitFor("4 instances", 60*time.Second)
	s.SendKeys(":")
	s.Type("call")
	s.SendKeys("Enter")
	s.WaitFor("bookstore.WatchBooks", 30*time.Second)

	pickMethod(t, s, "bookstore.WatchBooks")
	s.SendKeys("C-s")
	screen := s.WaitFor("TYPE_CAUGHT_UP", 30*time.Second)
	first, _ := strconv.Atoi(liveCount.FindStringSubmatch(screen + "● server stream · 0 messages")[1])
	screen = waitUntil(t, s, "a book created while the stream is open", 120*time.Second, func(sc string) bool {
		m := liveCount.FindStringSubmatch(sc)
		n, _ := strconv.Atoi(append(m, "", "0")[1])
		return strings.Contains(sc, "TYPE_CREATED") && n > first && strings.Contains(sc, "/s")
	})
	saveScreen(t, "watch", screen)
	s.SendKeys("C-x")
	s.WaitFor("✗ CANCELLED", 10*time.Second)

	pickMethod(t, s, "bookstore.SyncBooks")
	s.SendKeys("C-s")
	s.WaitFor("● bidi stream · 1 message · 1 sent", 30*time.Second)
	s.SendKeys("C-s") // the editor's message again
	s.WaitFor("2 messages · ", 10*time.Second)
	s.SendKeys("C-d")
	screen = waitUntil(t, s, "the server's end", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "✓ OK") && strings.Contains(sc, "bidi stream ·") && strings.Contains(sc, "2 sent")
	})
	if !strings.Contains(screen, "CHANGE_") {
		t.Errorf("the sync's answers should be on screen:\n%s", screen)
	}
	saveScreen(t, "sync", screen)
	quit(t, s)
}
