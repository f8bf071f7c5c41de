package tmuxtest_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/ui/internal/tmuxtest"
)

func TestSessionRunsTypesCapturesAndExits(t *testing.T) {
	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40},
		"sh", "-c", `echo "ready $(stty size)"; read x; echo "got $x"; exit 3`)
	screen := s.WaitFor("ready", 10*time.Second)
	if !strings.Contains(screen, "ready 40 120") {
		t.Errorf("terminal is not 120x40:\n%s", screen)
	}
	if lines := strings.Count(screen, "\n"); lines != 40 {
		t.Errorf("captured %d lines, want 40", lines)
	}
	s.Type("hello 'world'")
	s.SendKeys("Enter")
	s.WaitFor("got hello 'world'", 10*time.Second)

	deadline := time.Now().Add(10 * time.Second)
	for {
		if dead, code := s.Exited(); dead {
			if code != 3 {
				t.Errorf("exit status %d, want 3", code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("program did not exit")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The pane stays after exit: the last screen is still readable.
	if !strings.Contains(s.Capture(), "got hello") {
		t.Error("last screen lost after exit")
	}
}

func TestKillEndsTheProgram(t *testing.T) {
	s := tmuxtest.Start(t, tmuxtest.Options{Env: []string{"KB_MARK=42"}}, "sh", "-c", `echo "pid $$ mark $KB_MARK"; exec sleep 300`)
	screen := s.WaitFor("mark 42", 10*time.Second)
	var pid int
	if _, err := fmt.Sscanf(screen[strings.Index(screen, "pid "):], "pid %d", &pid); err != nil || pid <= 0 {
		t.Fatalf("no pid on screen:\n%s", screen)
	}
	if !alive(pid) {
		t.Fatal("program not running before Kill")
	}
	s.Kill()
	s.Kill() // idempotent
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("program %d still running after Kill", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

func TestWaitForFailsAtDeadline(t *testing.T) {
	ft := &fakeT{TB: t}
	s := tmuxtest.Start(ft, tmuxtest.Options{}, "sh", "-c", "echo nothing here; exec sleep 300")
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		s.WaitFor("never", 200*time.Millisecond)
	}()
	<-done
	if !strings.Contains(ft.msg, `"never" not on screen`) {
		t.Errorf("WaitFor should fail with the screen; got %q", ft.msg)
	}
	s.Kill()
}

// fakeT records Fatalf instead of stopping the real test.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
func (f *fakeT) Helper() {}
