package dashboard_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

var writeScreens = flag.Bool("screens", false, "write the end-to-end test's captures to docs/screens")

// breakerState returns the state shown in the breakers table for the
// breaker named name, "" when its row is not on screen.
func breakerState(screen, name string) string {
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimPrefix(line, ">"))
		for i := 0; i+1 < len(f); i++ {
			if f[i] == name {
				switch f[i+1] {
				case "open", "closed", "half-open":
					return f[i+1]
				}
			}
		}
	}
	return ""
}

// waitUntil polls the screen until ok, failing the test at the deadline.
func waitUntil(t *testing.T, s *tmuxtest.Session, what string, timeout time.Duration, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		screen := s.Capture()
		if ok(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within %v; screen:\n%s", what, timeout, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// saveScreen writes a capture to docs/screens with -screens.
func saveScreen(t *testing.T, name, screen string) {
	t.Helper()
	if !*writeScreens {
		return
	}
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	path := filepath.Join("..", "..", "docs", "screens", name+".txt")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// topRow returns the fields of the first row of the table on screen.
func topRow(screen string) []string {
	lines := strings.Split(screen, "\n")
	if len(lines) < 4 {
		return nil
	}
	return strings.Fields(strings.TrimPrefix(lines[3], ">"))
}

var failureRow = regexp.MustCompile(`\d\d:\d\d:\d\d\.\d\d\d +→open`)

// TestDashboardOnTheDemoInTmux runs `kitbench demo` in a real 120×40
// terminal: it switches views with ':', number keys and tab, filters,
// waits for the misbehaving instance to trip the gateway's ejection
// breaker, drills into "Why did it trip?" and a failure's trace, waits for
// the breaker to close again, and quits with q y (exit status 0).
// go test ./ui/dashboard -run TestDashboardOnTheDemoInTmux -screens
// rewrites docs/screens from this run.
func TestDashboardOnTheDemoInTmux(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kitbench")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kitbench/kitbench/cmd/kitbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--seed", "7")
	const outlier = "outlier/bookstore/bookstore-3"

	// The fleet appears: 2 services, 4 instances, through the demo's own
	// registry on the port it bound.
	screen := s.WaitFor("2 services · 4 instances", 60*time.Second)
	if !strings.Contains(screen, "demo fleet · registry 127.0.0.1:") || strings.Contains(screen, "127.0.0.1:0 ") {
		t.Errorf("status line should name the registry the demo bound:\n%s", screen)
	}
	waitUntil(t, s, "request rates", 30*time.Second, func(sc string) bool { return strings.Contains(sc, "/s ") })

	// Switch views: ':' command, number keys, tab and shift+tab.
	s.SendKeys(":")
	s.Type("breakers")
	s.SendKeys("Enter")
	s.WaitFor("sorted by worst first", 10*time.Second)
	s.SendKeys("1")
	s.WaitFor("sorted by health", 10*time.Second)
	s.SendKeys("2")
	s.WaitFor("sorted by worst first", 10*time.Second)
	s.SendKeys("Tab")
	s.WaitFor("sorted by activity", 10*time.Second)
	s.SendKeys("BTab")
	s.WaitFor("sorted by worst first", 10*time.Second)

	// Filter to the misbehaving instance's breakers (its own, and the
	// gateway's ejection breaker for it) and wait for them to open: the
	// schedule fails it 15–25 s after the start.
	s.SendKeys("/")
	s.Type("bookstore-3")
	s.SendKeys("Enter")
	screen = waitUntil(t, s, outlier+" open", 120*time.Second, func(sc string) bool { return breakerState(sc, outlier) == "open" })
	if breakerState(screen, "bookstore.GetBook") != "" {
		t.Errorf("the filter should hide the other instances' breakers:\n%s", screen)
	}
	s.SendKeys("Escape") // clear the filter for the capture
	saveScreen(t, "breakers", waitUntil(t, s, "all breakers", 10*time.Second, func(sc string) bool {
		return breakerState(sc, "bookstore.GetBook") != "" && breakerState(sc, outlier) != ""
	}))
	s.SendKeys("/")
	s.Type("bookstore-3")
	s.SendKeys("Enter")
	waitUntil(t, s, "filtered", 10*time.Second, func(sc string) bool {
		return breakerState(sc, outlier) != "" && breakerState(sc, "bookstore.GetBook") == ""
	})

	// Why did it trip? Worst first: when one of bookstore-3's own breakers
	// (kit circuit breakers, which report the failures that opened them)
	// trips, it is the top row, under the cursor; enter opens it. The
	// state may change between the capture and the key: then go back and
	// wait for the next trip.
	deadline := time.Now().Add(150 * time.Second)
	for {
		waitUntil(t, s, "bookstore-3's own breaker tripping", time.Until(deadline), func(sc string) bool {
			f := topRow(sc)
			return len(f) > 2 && f[0] == "bookstore-3" && f[1] != outlier && (f[2] == "open" || f[2] == "half-open")
		})
		s.SendKeys("Enter")
		screen = s.WaitFor("Why did it trip?", 10*time.Second)
		if strings.Contains(screen, " on bookstore/bookstore-3") {
			break
		}
		s.SendKeys("Escape")
		s.WaitFor("sorted by worst first", 10*time.Second)
	}
	screen = waitUntil(t, s, "the failures that tripped it", 10*time.Second, func(sc string) bool {
		return failureRow.MatchString(sc) && strings.Contains(sc, "closed → open")
	})
	saveScreen(t, "why_did_it_trip", screen)

	// Enter on the newest failure: its trace, or a word that it has none.
	traced := true
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, "> ") && failureRow.MatchString(l) {
			traced = !strings.Contains(l, "(not traced)")
		}
	}
	s.SendKeys("Enter")
	if traced {
		saveScreen(t, "trace", s.WaitFor("› trace ", 10*time.Second))
		s.SendKeys("Escape")
	} else {
		s.WaitFor("no trace id", 10*time.Second)
	}
	s.WaitFor("Failing requests that tripped it", 10*time.Second)

	// Back on the breakers: wait for the breaker to close again.
	s.SendKeys("Escape")
	waitUntil(t, s, outlier+" closed", 120*time.Second, func(sc string) bool { return breakerState(sc, outlier) == "closed" })

	// The other views, for the captures. A key right after Escape would
	// read as alt+key, so each Escape waits for its effect first.
	s.SendKeys("Escape") // clear the filter
	waitUntil(t, s, "filter cleared", 10*time.Second, func(sc string) bool { return breakerState(sc, "bookstore.GetBook") != "" })
	s.SendKeys("1")
	saveScreen(t, "instances", s.WaitFor("sorted by health", 10*time.Second))
	s.SendKeys("Enter")
	saveScreen(t, "instance_detail", s.WaitFor("Endpoints (", 10*time.Second))
	s.SendKeys("Escape")
	s.WaitFor("sorted by health", 10*time.Second)
	s.SendKeys("3")
	saveScreen(t, "limits", s.WaitFor("sorted by activity", 10*time.Second))
	s.SendKeys("?")
	saveScreen(t, "help", s.WaitFor("closes this help", 10*time.Second))
	s.SendKeys("Escape")
	s.WaitFor("sorted by activity", 10*time.Second)

	// q asks, y quits; the demo stops its fleet and exits 0.
	s.SendKeys("q")
	s.WaitFor("Quit kitbench?", 10*time.Second)
	s.SendKeys("y")
	deadline = time.Now().Add(30 * time.Second)
	for {
		if dead, code := s.Exited(); dead {
			if code != 0 {
				t.Errorf("kitbench demo exited %d, want 0; screen:\n%s", code, s.Capture())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kitbench demo did not exit after q; screen:\n%s", s.Capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
