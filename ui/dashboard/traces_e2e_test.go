package dashboard_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

var (
	traceID  = regexp.MustCompile(`\b[0-9a-f]{32}\b`)
	newCount = regexp.MustCompile(`paused · \d+ new`)
)

// cursorTrace returns the trace id on the row under the cursor and that
// row's line number; "" when no row is selected.
func cursorTrace(screen string) (string, int) {
	for i, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "> ") {
			return traceID.FindString(l), i
		}
	}
	return "", -1
}

// TestTracesHoldStillInTmux runs `kitbench demo` in a real 120×40 terminal
// and checks, on its live traffic, that the traces list follows the newest
// trace; that once the cursor moves, the selected trace stays selected for
// 30 s while new traces are counted, and enter opens that very trace; and
// that ':trace PREFIX' opens a trace by a prefix of its id. Every wait is
// a poll with a generous deadline: nothing here times the machine.
func TestTracesHoldStillInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo fleet for about a minute")
	}
	bin := filepath.Join(t.TempDir(), "kitbench")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kitbench/kitbench/cmd/kitbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--seed", "7")
	s.WaitFor("2 services · 4 instances", 60*time.Second)
	s.SendKeys("4")
	s.WaitFor("following newest", 30*time.Second)

	// Follow: the cursor is on the top row, and moves to newer traces as
	// they arrive.
	var first string
	waitUntil(t, s, "a traced call under the cursor", 60*time.Second, func(sc string) bool {
		first, _ = cursorTrace(sc)
		return first != ""
	})
	waitUntil(t, s, "the cursor following a newer trace on the top row", 60*time.Second, func(sc string) bool {
		id, line := cursorTrace(sc)
		return id != "" && id != first && line == 3 && strings.Contains(sc, "following newest")
	})

	// Hold: move down one row; the trace under the cursor stays there for
	// 30 s of live traffic while new ones are counted.
	s.SendKeys("j")
	screen := waitUntil(t, s, "paused", 10*time.Second, func(sc string) bool { return strings.Contains(sc, "paused") })
	held, _ := cursorTrace(screen)
	if held == "" {
		t.Fatalf("no trace under the cursor after j:\n%s", screen)
	}
	sawNew, last := false, ""
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		sc := s.Capture()
		if id, _ := cursorTrace(sc); id != held {
			t.Fatalf("the selection moved from %s to %q:\n%s", held, id, sc)
		}
		if n := newCount.FindString(sc); n != "" {
			sawNew, last = true, n
		}
	}
	t.Logf("after 30 s paused: %s", last)
	if !sawNew {
		t.Errorf("30 s of traffic while paused, and no \"N new\" in the summary:\n%s", s.Capture())
	}
	s.SendKeys("Enter")
	waitUntil(t, s, "the held trace's waterfall", 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "TIMELINE") && strings.Contains(sc, "trace "+held)
	})
	s.SendKeys("Escape")
	s.WaitFor("paused", 10*time.Second)

	// Open by prefix: the first 12 characters of a listed trace's id.
	prefix := held[:12]
	s.SendKeys(":")
	s.Type("trace " + prefix)
	s.SendKeys("Enter")
	waitUntil(t, s, ":trace "+prefix, 10*time.Second, func(sc string) bool {
		return strings.Contains(sc, "TIMELINE") && strings.Contains(sc, "trace "+held)
	})
}
