package dashboard_test

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

var (
	registryAddr = regexp.MustCompile(`registry (127\.0\.0\.1:\d+)`)
	faultLeft    = regexp.MustCompile(`bookstore-2 +fault +GetBook +error rate 1 \(503\) .* (\d+)s\s*$`)
)

// instanceControls asks bookstore-2's admin listener for its controls in
// force (GET /debug/kit/v1/controls), found through the demo's registry
// as `kitbench fault list` finds it.
func instanceControls(t *testing.T, bin, registry string) []wire.Control {
	t.Helper()
	out, err := exec.Command(bin, "fault", "list", "bookstore/bookstore-2", "--consul", registry, "-o", "json").Output()
	if err != nil {
		t.Fatalf("kitbench fault list: %v\n%s", err, out)
	}
	var rs []struct{ Admin string }
	if err := json.Unmarshal(out, &rs); err != nil || len(rs) != 1 || rs[0].Admin == "" {
		t.Fatalf("kitbench fault list -o json: %v\n%s", err, out)
	}
	resp, err := http.Get(rs[0].Admin + wire.ControlsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l wire.ControlList
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatalf("GET %s: %v", rs[0].Admin+wire.ControlsPath, err)
	}
	return l.Controls
}

func hasGetBookFault(cs []wire.Control) bool {
	for _, c := range cs {
		if c.Kind == wire.ControlFault && c.Target == "GetBook" {
			return true
		}
	}
	return false
}

// secondsLeft is the countdown of bookstore-2's GetBook fault in the
// controls view, -1 when its row is not on screen.
func secondsLeft(screen string) int {
	for _, l := range strings.Split(screen, "\n") {
		if m := faultLeft.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return -1
}

// TestControlsOnTheDemoInTmux injects a fault into bookstore-2's GetBook
// from the dashboard's form on `kitbench demo --quiet` in a real terminal: the
// row shows it with its countdown, :controls lists it counting down, and
// d then y clears it, which the instance's own /debug/kit/v1/controls
// confirms.
func TestControlsOnTheDemoInTmux(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kitbench")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kitbench/kitbench/cmd/kitbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--quiet")
	screen := s.WaitFor("2 services · 4 instances", 60*time.Second)
	m := registryAddr.FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no registry address in the status line:\n%s", screen)
	}
	registry := m[1]

	// The fault form on bookstore-2: GetBook, error rate 1, for 40s.
	s.SendKeys("/")
	s.Type("bookstore-2")
	s.SendKeys("Enter")
	waitUntil(t, s, "bookstore-2 alone", 10*time.Second, func(sc string) bool {
		f := topRow(sc)
		return len(f) > 1 && f[1] == "bookstore-2"
	})
	s.SendKeys("f")
	s.WaitFor("Inject a fault into bookstore-2", 10*time.Second)
	for i := 0; !strings.Contains(s.Capture(), "‹ GetBook ›"); i++ {
		if i == 20 {
			t.Fatalf("no GetBook among the form's endpoints:\n%s", s.Capture())
		}
		s.SendKeys("Right")
		time.Sleep(100 * time.Millisecond)
	}
	s.SendKeys("Tab", "Right", "Tab", "Tab", "C-u")
	s.Type("40s")
	s.SendKeys("Enter")
	s.WaitFor("Inject error rate 1 (503) into bookstore-2 GetBook for 40s?", 10*time.Second)
	if hasGetBookFault(instanceControls(t, bin, registry)) {
		t.Fatal("the fault reached the instance before the answer")
	}
	s.SendKeys("y")
	s.WaitFor("done: inject error rate 1 (503) into bookstore-2 GetBook for 40s", 15*time.Second)
	if !hasGetBookFault(instanceControls(t, bin, registry)) {
		t.Fatal("the instance has no fault on GetBook after y")
	}
	screen = waitUntil(t, s, "the fault on bookstore-2's row", 15*time.Second, func(sc string) bool {
		return regexp.MustCompile(`bookstore-2 .*FAULT \d+s`).MatchString(sc)
	})
	saveScreen(t, "instances_fault", screen)

	// :controls lists it, counting down between the hub's updates.
	s.SendKeys("Escape") // the filter; a key right after Escape would read as alt+key
	waitUntil(t, s, "the filter cleared", 10*time.Second, func(sc string) bool { return !strings.Contains(sc, "/bookstore-2") })
	s.SendKeys(":")
	s.Type("controls")
	s.SendKeys("Enter")
	screen = waitUntil(t, s, "the fault in :controls", 15*time.Second, func(sc string) bool { return secondsLeft(sc) > 0 })
	first := secondsLeft(screen)
	screen = waitUntil(t, s, "the countdown moving", 10*time.Second, func(sc string) bool {
		n := secondsLeft(sc)
		return n > 0 && n < first
	})
	saveScreen(t, "controls", screen)

	// d asks, y clears; the row leaves and the instance has no fault.
	s.SendKeys("/")
	s.Type("bookstore-2")
	s.SendKeys("Enter")
	waitUntil(t, s, "the filtered row", 10*time.Second, func(sc string) bool {
		f := topRow(sc)
		return len(f) > 2 && f[0] == "bookstore-2" && f[2] == "GetBook"
	})
	s.SendKeys("d")
	s.WaitFor("Clear fault GetBook: error rate 1 (503) on bookstore-2 now", 10*time.Second)
	s.SendKeys("y")
	s.WaitFor("done: clear fault GetBook", 15*time.Second)
	waitUntil(t, s, "the row gone", 10*time.Second, func(sc string) bool { return secondsLeft(sc) < 0 })
	if cs := instanceControls(t, bin, registry); hasGetBookFault(cs) {
		t.Fatalf("bookstore-2 still has its GetBook fault after d y: %+v", cs)
	}

	s.SendKeys("C-c")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if dead, _ := s.Exited(); dead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kitbench demo did not exit after ctrl+c; screen:\n%s", s.Capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
