package testutil

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records how a helper ended the test.
// Skip and Fatal end the calling goroutine, as testing's do.
type recorder struct {
	testing.TB // nil: calling anything not overridden panics
	skipped    string
	fatal      string
	errors     []string
	cleanups   []func()
}

func (r *recorder) Helper()                   {}
func (r *recorder) Skip(args ...any)          { r.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatal(args ...any)         { r.fatal = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...); runtime.Goexit() }
func (r *recorder) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }
func (r *recorder) Cleanup(f func())          { r.cleanups = append(r.cleanups, f) }

// run calls f with r on a goroutine of its own, so Skip and Fatal can end it.
func (r *recorder) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
}

func TestNeedTool(t *testing.T) {
	const missing = "kitbench-no-such-tool"
	t.Setenv("PATH", t.TempDir())
	for _, require := range []string{"", "1"} {
		t.Setenv(RequireToolsEnv, require)
		r := &recorder{}
		r.run(func(tb testing.TB) { NeedTool(tb, missing); t.Error("NeedTool returned for a missing tool") })
		got := r.skipped
		if require == "1" {
			got = r.fatal
		}
		if !strings.Contains(got, missing) || !strings.Contains(got, "./.ci/deps.sh") {
			t.Errorf("%s=%q: skipped %q, failed %q; want the one naming the tool and the script", RequireToolsEnv, require, r.skipped, r.fatal)
		}
	}
}

func TestNeedToolFound(t *testing.T) {
	t.Setenv(RequireToolsEnv, "1")
	if got := NeedTool(t, "go"); !strings.HasSuffix(got, "go") {
		t.Errorf("NeedTool(go) = %q", got)
	}
}

func TestNoLeaks(t *testing.T) {
	leakWait = 200 * time.Millisecond
	t.Cleanup(func() { leakWait = 10 * time.Second })

	// A goroutine that ends within the wait is no leak.
	r := &recorder{}
	NoLeaks(r)
	stop := make(chan struct{})
	go func() { <-stop }()
	time.AfterFunc(50*time.Millisecond, func() { close(stop) })
	r.cleanups[0]()
	if len(r.errors) != 0 {
		t.Errorf("a goroutine that ended was reported: %v", r.errors)
	}

	// One still blocked at the end is, with its stack.
	r = &recorder{}
	NoLeaks(r)
	leak := make(chan struct{})
	defer close(leak)
	go blockedForTest(leak)
	r.cleanups[0]()
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "blockedForTest") {
		t.Errorf("a leaked goroutine was not reported with its stack: %v", r.errors)
	}
}

func blockedForTest(c chan struct{}) { <-c }

func TestFreeAddr(t *testing.T) {
	addr := FreeAddr(t)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("FreeAddr gave %s, which cannot be listened on: %v", addr, err)
	}
	ln.Close()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("FreeAddr = %s, want a 127.0.0.1 address", addr)
	}
}

func TestWaitFor(t *testing.T) {
	n := 0
	WaitFor(t, "three polls", time.Second, func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("cond called %d times, want 3", n)
	}
	r := &recorder{}
	r.run(func(tb testing.TB) { WaitFor(tb, "never", 20*time.Millisecond, func() bool { return false }) })
	if !strings.Contains(r.fatal, "never") {
		t.Errorf("failure %q does not name what was awaited", r.fatal)
	}
}
