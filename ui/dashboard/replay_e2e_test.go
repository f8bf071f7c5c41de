package dashboard_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

var registryOnScreen = regexp.MustCompile(`registry (127\.0\.0\.1:\d+)`)

// TestSessionsViewAsksBeforeReplayingAWrite runs `kitbench demo` in a
// real terminal, records a session with a GET and a DELETE against its
// bookstore through `kitbench call --record`, and replays it from the
// sessions view: the view names the DELETE and sends nothing until
// answered; any other key cancels, s replays only the GET, y both.
func TestSessionsViewAsksBeforeReplayingAWrite(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kitbench")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kitbench/kitbench/cmd/kitbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40, Dir: dir},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--seed", "7")
	m := registryOnScreen.FindStringSubmatch(s.WaitFor("2 services · 4 instances", 60*time.Second))
	if m == nil {
		t.Fatalf("no registry address on screen:\n%s", s.Capture())
	}
	for _, args := range [][]string{
		{"bookstore.GetBook", "--http", "-p", "id=0000000000009999"},
		{"bookstore.DeleteBook", "--http", "-p", "id=0000000000009999"},
	} {
		cmd := exec.Command(bin, append([]string{"call", "--consul", m[1], "--record", "deletes.kitrec"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if !strings.Contains(string(out), "book not found") { // both answer 404: recorded all the same
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	// Each answer carries a request id of its own: not compared.
	if err := os.WriteFile(filepath.Join(dir, "deletes.kitrec.ignore"), []byte("$.request_id\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	s.SendKeys(":")
	s.Type("sessions")
	s.SendKeys("Enter")
	s.WaitFor("SESSION", 10*time.Second)
	s.SendKeys("u") // the list was read before the file was written
	s.WaitFor("deletes.kitrec", 10*time.Second)
	s.SendKeys("Enter")
	s.WaitFor("deletes.kitrec · bookstore · 2 exchanges · replay → as recorded", 10*time.Second)

	ask := func() {
		t.Helper()
		s.SendKeys("r")
		screen := s.WaitFor("1 of 2 exchanges may change data (nothing has been sent)", 30*time.Second)
		for _, want := range []string{"send writes?", "#2 DELETE /v1/books/0000000000009999", "y sends them too · s replays only the safe ones · any other key cancels"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the question lacks %q:\n%s", want, screen)
			}
		}
	}
	ask()
	s.SendKeys("x")
	s.WaitFor("replay cancelled: nothing was sent", 10*time.Second)

	ask()
	s.SendKeys("s")
	screen := waitUntil(t, s, "the safe exchange replayed", 30*time.Second, func(sc string) bool { return strings.Contains(sc, "1 skipped") })
	if !strings.Contains(screen, "skip") || strings.Contains(screen, "send writes?") {
		t.Errorf("s should replay the GET and skip the DELETE:\n%s", screen)
	}

	ask()
	s.SendKeys("y")
	screen = waitUntil(t, s, "both exchanges replayed", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "replay against as recorded: ") && !strings.Contains(sc, "skipped") && !strings.Contains(sc, "send writes?")
	})
	if !strings.Contains(screen, "2 passed, 0 failed") {
		t.Errorf("y should send the DELETE too (both 404 again):\n%s", screen)
	}

	s.SendKeys("q") // back to the list
	s.WaitFor("SESSION", 10*time.Second)
	s.SendKeys("q")
	s.WaitFor("Quit kitbench?", 10*time.Second)
	s.SendKeys("y")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if dead, _ := s.Exited(); dead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kitbench demo did not exit after q y; screen:\n%s", s.Capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
