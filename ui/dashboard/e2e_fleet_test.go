package dashboard_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

// instanceRow returns the fields of id's row in the instances view, nil
// when it is not on screen.
func instanceRow(screen, id string) []string {
	for _, l := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), ">"))
		if len(f) > 2 && f[1] == id {
			return f
		}
	}
	return nil
}

// On the demo, a healthy Book instance shows 0 % errors while the
// traffic's 404s flow (they are in its 4XX% column), and bookstore-3,
// once the gateway ejects it, says so with a countdown.
func TestDemoInstancesClassesAndEjection(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kitbench")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kitbench/kitbench/cmd/kitbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--seed", "7")
	s.WaitFor("2 services · 4 instances", 60*time.Second)

	// bookstore-1 is never made to fail: its errors column stays 0% while
	// its 4XX% shows the misses (5 % of the traffic, about a third of it
	// through this instance).
	waitUntil(t, s, "bookstore-1 with 4xx and no errors", 90*time.Second, func(sc string) bool {
		f := instanceRow(sc, "bookstore-1")
		return len(f) > 6 && f[3] == "up" && f[5] == "0%" && strings.HasSuffix(f[6], "%") && f[6] != "0%" && f[6] != "-"
	})
	// The schedule fails bookstore-3 15–25 s after the start; the gateway
	// ejects it a few seconds later, for 30 s.
	screen := waitUntil(t, s, "bookstore-3 ejected", 120*time.Second, func(sc string) bool {
		for _, l := range strings.Split(sc, "\n") {
			if strings.Contains(l, "bookstore-3") && strings.Contains(l, "ejected by gateway-1 · ") && strings.Contains(l, "s left") {
				return true
			}
		}
		return false
	})
	if f := instanceRow(screen, "bookstore-1"); len(f) > 5 && f[5] != "0%" {
		t.Errorf("a healthy instance shows errors while another is ejected: %v\n%s", f, screen)
	}
}
