package dashboard_test

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

// buildTool builds a command of this module into the test's directory.
func buildTool(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// startSimulator runs the fleet simulator as a child process and returns
// its registry's address; the child is interrupted (killed if it does
// not stop within 30 s) when the test ends.
func startSimulator(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(buildTool(t, "github.com/kitbench/kitbench/internal/fleetsim/cmd/fleetsim"), args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	first := make(chan string, 1)
	go func() { // ends when the child's stdout closes
		defer close(done)
		defer func() { _ = cmd.Wait() }()
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		_, _ = io.Copy(io.Discard, out)
	}()
	var line string
	select {
	case line = <-first:
	case <-time.After(3 * time.Minute): // a bound on starting, on a loaded machine
		t.Fatal("fleetsim: not serving within 3 minutes")
	}
	// "fleetsim: 1000 instances on 1000 admin listeners, registry 127.0.0.1:PORT"
	_, addr, ok := strings.Cut(line, ", registry ")
	if !ok {
		t.Fatalf("fleetsim said %q, want its registry's address", line)
	}
	return addr
}

var instancesCount = regexp.MustCompile(`(\d+) instances`)

// rowIDs returns the INSTANCE column of the table's rows on screen, and
// the one under the cursor.
func rowIDs(screen string) (ids []string, cursor string) {
	for _, l := range strings.Split(screen, "\n") {
		t := strings.TrimSpace(l)
		f := strings.Fields(strings.TrimPrefix(t, ">"))
		if len(f) > 2 && strings.HasPrefix(f[1], "sim-") {
			ids = append(ids, f[1])
			if strings.HasPrefix(t, ">") {
				cursor = f[1]
			}
		}
	}
	return ids, cursor
}

// TestDashboardFollowsAChurningFleet watches 1,000 simulated instances,
// 10 of them replaced every second: the dashboard lists the fleet, answers
// keys (a filter, the cursor) while it churns, and shows instances
// leaving and joining. Every wait is bounded for a loaded machine; none is
// a measure of speed (BenchmarkKeyToFrame is).
func TestDashboardFollowsAChurningFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("watches 1,000 simulated instances")
	}
	kitbench := buildTool(t, "github.com/kitbench/kitbench/cmd/kitbench")
	registry := startSimulator(t, "-n", "1000", "-per-listener", "1", "-rate", "1",
		"-churn-every", "1s", "-churn", "10")
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 160, Height: 40}, kitbench, "dashboard", "--consul", registry)
	waitUntil(t, s, "the fleet listed", 3*time.Minute, func(sc string) bool {
		m := instancesCount.FindStringSubmatch(sc)
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		return n >= 950 && strings.Contains(sc, " up ")
	})

	// Leaving: the oldest of the first thousand on screen goes away.
	s.SendKeys("/")
	s.Type("sim-00")
	s.SendKeys("Enter")
	screen := waitUntil(t, s, "the first thousand, filtered", time.Minute, func(sc string) bool {
		ids, _ := rowIDs(sc)
		return len(ids) > 2 && strings.HasPrefix(ids[0], "sim-00")
	})
	ids, _ := rowIDs(screen)
	oldest := ids[0]
	for _, id := range ids {
		oldest = min(oldest, id)
	}
	waitUntil(t, s, oldest+" gone", time.Minute, func(sc string) bool {
		ids, _ := rowIDs(sc)
		return !strings.Contains(sc, oldest) && (len(ids) > 0 || strings.Contains(sc, "no rows match"))
	})

	// The filter goes (its "/sim-00" leaves the tab's title) before the
	// next key: an escape followed at once by "/" would read as alt-/.
	s.SendKeys("Escape")
	waitUntil(t, s, "the filter cleared", time.Minute, func(sc string) bool { return !strings.Contains(sc, "/sim-00") })
	s.SendKeys("/")
	s.Type("sim-01")
	s.SendKeys("Enter")
	// Joining: instances the fleet started with were sim-00000…sim-00999.
	waitUntil(t, s, "joined instances listed", time.Minute, func(sc string) bool {
		ids, _ := rowIDs(sc)
		return len(ids) >= 3 && strings.HasPrefix(ids[0], "sim-01")
	})
	// Keys: the cursor moves down the filtered rows.
	s.SendKeys("j")
	waitUntil(t, s, "the cursor moved", time.Minute, func(sc string) bool {
		ids, cursor := rowIDs(sc)
		return len(ids) >= 2 && cursor != "" && cursor != ids[0]
	})
}
