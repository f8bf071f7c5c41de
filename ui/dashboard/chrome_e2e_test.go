package dashboard_test

import (
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

// buildKitbench builds the command for a tmux test.
func buildKitbench(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kitbench")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kitbench/kitbench/cmd/kitbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// quit answers the quit question and waits for a clean exit.
func quit(t *testing.T, s *tmuxtest.Session) {
	t.Helper()
	s.SendKeys("q")
	s.WaitFor("Quit kitbench?", 10*time.Second)
	s.SendKeys("y")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if dead, code := s.Exited(); dead {
			if code != 0 {
				t.Errorf("kitbench exited %d, want 0; screen:\n%s", code, s.Capture())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("kitbench did not exit after q y; screen:\n%s", s.Capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEmptyStateInTmux points the dashboard at a closed loopback port: the
// main pane says what was tried and what to do (the CLI's hint), and the
// status line shows the retry, its age growing.
func TestEmptyStateInTmux(t *testing.T) {
	bin := buildKitbench(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 80, Height: 24}, bin, "dashboard", "--consul", addr)
	screen := s.WaitFor("No instances found", 60*time.Second)
	for _, want := range []string{"Tried registry at " + addr, "connection refused", "kitbench registry", "kitbench demo", "CONSUL_HTTP_ADDR", "--target"} {
		if !strings.Contains(strings.Join(strings.Fields(screen), " "), want) {
			t.Errorf("empty state lacks %q:\n%s", want, screen)
		}
	}
	saveScreen(t, "empty", waitUntil(t, s, "the retry's age in the status line", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "retrying, down for") && !strings.Contains(sc, "down for 0s")
	}))
	quit(t, s)
}

// TestLongResponseScrollsInTmux runs `kitbench demo` in an 80×24 terminal,
// calls ListBooks from the call view, and scrolls its response to the
// last book: the inline response says how much is below, v opens it in a
// pane, G shows its end.
func TestLongResponseScrollsInTmux(t *testing.T) {
	bin := buildKitbench(t)
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 80, Height: 24},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--seed", "7")
	s.WaitFor("4 instances", 60*time.Second)
	s.SendKeys(":")
	s.Type("call")
	s.SendKeys("Enter")
	s.WaitFor("bookstore.ListBooks", 30*time.Second)
	s.SendKeys("/")
	s.Type("bookstore.ListBooks")
	s.SendKeys("Enter")
	s.WaitFor("Call 1/1 · /bookstore.ListBooks", 10*time.Second)
	s.SendKeys("Enter") // opens the method in the editor
	s.WaitFor("editing: esc stops", 10*time.Second)
	s.SendKeys("Escape")
	s.WaitFor("e edits", 10*time.Second)
	// The demo creates books as it runs: wait until a page is longer than
	// the pane.
	deadline := time.Now().Add(90 * time.Second)
	for {
		s.SendKeys("C-s")
		screen := waitUntil(t, s, "the response", 30*time.Second, func(sc string) bool { return strings.Contains(sc, "✓ OK") })
		if strings.Contains(screen, "more lines · v scrolls") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ListBooks never outgrew the pane:\n%s", screen)
		}
		time.Sleep(2 * time.Second)
	}
	s.SendKeys("v")
	screen := s.WaitFor("› Response", 10*time.Second)
	if !strings.Contains(screen, "more lines") {
		t.Fatalf("the pane should start at the top, more below:\n%s", screen)
	}
	s.SendKeys("G")
	screen = waitUntil(t, s, "the end of the response", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "end · lines")
	})
	// The last book: a title, then the list's closing bracket.
	title, closed := -1, -1
	for i, l := range strings.Split(screen, "\n") {
		switch strings.TrimSpace(l) {
		case "]":
			closed = i
		default:
			if strings.Contains(l, `"title"`) {
				title = i
			}
		}
	}
	if title < 0 || closed < title {
		t.Fatalf("the last book and the end of the list should be on screen:\n%s", screen)
	}
	saveScreen(t, "response", screen)
	s.SendKeys("q") // back to the call view, no question
	s.WaitFor("e edits", 10*time.Second)
	quit(t, s)
}
