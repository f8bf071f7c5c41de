package dashboard_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
	"google.golang.org/grpc/codes"
)

// TestExportOnTheDemoInTmux: on `kitbench demo`, once one of
// bookstore-3's own breakers trips, x on "Why did it trip?" writes a
// session of the failing requests to .kitbench/sessions/ in the working
// directory (mode 0600), and the view names the file and the replay
// commands. Every wait is bounded; the demo fails bookstore-3 15–25 s
// after its start.
func TestExportOnTheDemoInTmux(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kitbench")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kitbench/kitbench/cmd/kitbench").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 160, Height: 45, Dir: dir},
		bin, "demo", "--registry-addr", "127.0.0.1:0", "--seed", "7")
	const outlier = "outlier/bookstore/bookstore-3"
	s.WaitFor("2 services · 4 instances", 60*time.Second)
	s.SendKeys(":")
	s.Type("breakers")
	s.SendKeys("Enter")
	s.WaitFor("sorted by worst first", 10*time.Second)
	s.SendKeys("/")
	s.Type("bookstore-3")
	s.SendKeys("Enter")

	// Into "Why did it trip?" for one of bookstore-3's own breakers, as
	// TestDashboardOnTheDemoInTmux does.
	deadline := time.Now().Add(150 * time.Second)
	for {
		waitUntil(t, s, "bookstore-3's own breaker tripping", time.Until(deadline), func(sc string) bool {
			f := topRow(sc)
			return len(f) > 2 && f[0] == "bookstore-3" && f[1] != outlier && (f[2] == "open" || f[2] == "half-open")
		})
		s.SendKeys("Enter")
		screen := s.WaitFor("Why did it trip?", 10*time.Second)
		if strings.Contains(screen, " on bookstore/bookstore-3") {
			break
		}
		s.SendKeys("Escape")
		s.WaitFor("sorted by worst first", 10*time.Second)
	}
	waitUntil(t, s, "the failures that tripped it", 10*time.Second, func(sc string) bool { return failureRow.MatchString(sc) })

	s.SendKeys("x")
	screen := waitUntil(t, s, "the export's answer", 30*time.Second, func(sc string) bool {
		return strings.Contains(sc, "exported .kitbench/sessions/trip-bookstore-3-") || strings.Contains(sc, "export: ")
	})
	if strings.Contains(screen, "export: ") {
		t.Fatalf("the export failed:\n%s", screen)
	}
	if !strings.Contains(screen, "kitbench replay .kitbench/sessions/trip-bookstore-3-") {
		t.Errorf("the view does not show the replay command:\n%s", screen)
	}
	saveScreen(t, "export", screen)

	files, err := filepath.Glob(filepath.Join(dir, ".kitbench", "sessions", "trip-bookstore-3-*.kitrec"))
	if err != nil || len(files) != 1 {
		t.Fatalf("sessions written: %v (%v)", files, err)
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", files[0], fi.Mode().Perm())
	}
	sess, err := recorder.ReadFile(files[0], recorder.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, ex := range sess.Exchanges {
		if ex.Instance != "bookstore-3" {
			t.Errorf("%s comes from %s, not bookstore-3", ex.ID, ex.Instance)
		}
		status := ex.Response.Status
		if ex.Transport == recorder.TransportGRPC {
			status = kitgrpc.HTTPStatus(codes.Code(ex.Response.GRPCCode))
		}
		if transport.ClassOfStatus(status) == transport.Failure {
			failed++
		}
	}
	if failed == 0 {
		t.Errorf("the session holds no failing request: %d exchanges", len(sess.Exchanges))
	}
}
