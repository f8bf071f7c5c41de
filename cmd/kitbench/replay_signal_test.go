package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReplayDevZero: a file with no line break ends with an error naming
// the line, instead of reading forever.
func TestReplayDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, stdout, stderr := runArgs(t, "replay", "/dev/zero")
		done <- result{code, stdout, stderr}
	}()
	select {
	case r := <-done:
		if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "kitbench: /dev/zero: ") ||
			!strings.Contains(r.stderr, "line 1 has no line break") || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("replay /dev/zero did not end within 60 s") // the goroutine is lost with the failed test
	}
}

// startKitbench starts this test binary as kitbench (see TestMain) and
// returns it with its stderr; the test kills it if it is still running.
func startKitbench(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KITBENCH_RUN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, &stderr
}

// interruptedExit sends sig to a running kitbench replay and checks that it
// ends within 30 s with status 130 and a message.
func interruptedExit(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer, sig syscall.Signal) {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 || !strings.Contains(stderr.String(), "kitbench: interrupted (") {
			t.Fatalf("after %v: %v, stderr %q; want exit status 130 and a message", sig, err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("replay did not end within 30 s of %v; stderr %q", sig, stderr.String())
	}
}

// TestReplaySignalWhileSending interrupts a replay waiting on a target
// that does not answer.
func TestReplaySignalWhileSending(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			arrived := make(chan struct{}, 1)
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case arrived <- struct{}{}:
				default:
				}
				select { // hold the request until the client gives up or the test ends
				case <-r.Context().Done():
				case <-release:
				}
			}))
			defer srv.Close()
			defer close(release)
			file := filepath.Join(t.TempDir(), "s.kitrec")
			line := `{"id":"%d","transport":"http","request":{"method":"GET","path":"/slow"},"response":{"status":200}}` + "\n"
			body := `{"format":"kitrec","version":1}` + "\n" + strings.ReplaceAll(line, "%d", "1") + strings.ReplaceAll(line, "%d", "2")
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd, stderr := startKitbench(t, "replay", file, "--target", srv.URL, "--timeout", "5m")
			select {
			case <-arrived:
			case <-time.After(30 * time.Second):
				t.Fatalf("the replay sent nothing within 30 s; stderr %q", stderr.String())
			}
			interruptedExit(t, cmd, stderr, sig)
		})
	}
}

// TestReplaySignalWhileReading interrupts a replay waiting to read a FIFO
// whose writer is silent.
func TestReplaySignalWhileReading(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "s.kitrec")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cmd, stderr := startKitbench(t, "replay", fifo)
	opened := make(chan *os.File, 1)
	go func() {
		// Opening for writing waits until kitbench opens the FIFO to read,
		// which it does after installing its signal handler.
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			opened <- nil
			return
		}
		opened <- w
	}()
	select {
	case w := <-opened:
		if w == nil {
			t.Fatal("could not open the FIFO")
		}
		defer w.Close()
		if _, err := w.WriteString(`{"format":"kitrec","version":1}` + "\n"); err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		// Open the reading end ourselves so the goroutine's open returns.
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			if w := <-opened; w != nil {
				w.Close()
			}
			r.Close()
		}
		t.Fatalf("kitbench did not open the FIFO within 30 s; stderr %q", stderr.String())
	}
	interruptedExit(t, cmd, stderr, syscall.SIGINT)
}
