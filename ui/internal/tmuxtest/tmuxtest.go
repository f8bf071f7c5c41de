// Package tmuxtest runs a program in a real terminal for end-to-end tests:
// a detached tmux session of a fixed size on a private tmux server, keys
// sent with send-keys, the screen read with capture-pane.
//
// # Usage
//
//	s := tmuxtest.Start(t, tmuxtest.Options{Width: 120, Height: 40}, "kitbench", "dashboard")
//	s.WaitFor("Instances", 10*time.Second)
//	s.SendKeys(":", "breakers", "Enter")
//	screen := s.WaitFor("Breakers", 5*time.Second)
//
// # Failure behaviour
//
// Without tmux on PATH, Start fails the test when KITBENCH_REQUIRE_TOOLS=1
// (as ./test.sh sets) and skips it otherwise, naming the script that
// installs it (testutil.NeedTool).
// WaitFor fails the test at its deadline and prints the last screen.
//
// # Concurrency
//
// Every session runs on its own tmux server (a socket in a fresh temporary
// directory, no user configuration), so tests may run in parallel and never
// touch the user's tmux. The session's server, and with it the program, is
// killed at test cleanup (or by Kill); a Session is for one goroutine.
package tmuxtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
)

// Options configure a session. The zero value is an 80×24 terminal in the
// current directory with the test's environment.
type Options struct {
	// Width and Height are the terminal size; zero means 80 and 24.
	Width, Height int
	// Dir is the working directory of the command; empty means a fresh
	// directory of the session's, removed with it, so that nothing the
	// program writes (a call history, a session file) lands in the source
	// tree.
	Dir string
	// Env adds KEY=VALUE pairs to the command's environment.
	Env []string
}

// Session is a program running in a detached tmux session.
type Session struct {
	t      testing.TB
	socket string
	dir    string
	target string
	status string // file the wrapper writes the program's exit status to
	killed bool
}

// Start runs command (argv, not a shell line) in a new detached tmux session
// of the given size and registers its cleanup. It fails or skips the test
// when tmux is missing, see the package documentation.
func Start(t testing.TB, opts Options, command ...string) *Session {
	t.Helper()
	if len(command) == 0 {
		t.Fatal("tmuxtest: no command")
	}
	testutil.NeedTool(t, "tmux")
	if opts.Width <= 0 {
		opts.Width = 80
	}
	if opts.Height <= 0 {
		opts.Height = 24
	}
	// A short private directory: unix socket paths are limited to ~100 bytes.
	dir, err := os.MkdirTemp("", "tmuxtest")
	if err != nil {
		t.Fatalf("tmuxtest: %v", err)
	}
	s := &Session{t: t, socket: filepath.Join(dir, "s"), dir: dir, target: "kb"}
	t.Cleanup(s.Kill)

	wd := opts.Dir
	if wd == "" {
		wd = filepath.Join(dir, "wd")
		if err := os.Mkdir(wd, 0o755); err != nil {
			t.Fatalf("tmuxtest: %v", err)
		}
	}
	args := []string{"new-session", "-d", "-s", s.target, "-x", strconv.Itoa(opts.Width), "-y", strconv.Itoa(opts.Height), "-c", wd}
	// Keep the pane after the program exits so its last screen and exit
	// status can be read, then replace the placeholder shell with it.
	args = append(args, ";", "set-option", "-g", "remain-on-exit", "on", ";",
		"respawn-pane", "-k", "-t", s.target, "-c", wd)
	for _, e := range opts.Env {
		args = append(args, "-e", e)
	}
	// The program runs under a small sh that writes its exit status to a
	// file: tmux marks some panes dead without ever recording a status.
	s.status = filepath.Join(dir, "status")
	wrapped := append([]string{"sh", "-c", `"$@"; echo $? > "$0"`, s.status}, command...)
	args = append(args, shellQuote(wrapped))
	if _, err := s.tmux(args...); err != nil {
		t.Fatalf("tmuxtest: start %q: %v", command, err)
	}
	return s
}

// tmux runs one tmux client command against the session's private server.
func (s *Session) tmux(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-S", s.socket, "-f", "/dev/null"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("tmux %s: %w: %s", args[0], err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// SendKeys sends tmux key names or text chunks, in order: "Enter",
// "Escape", "Tab", "BTab", "C-c", "Up", or a word like "breakers".
func (s *Session) SendKeys(keys ...string) {
	s.t.Helper()
	if _, err := s.tmux(append([]string{"send-keys", "-t", s.target}, keys...)...); err != nil {
		s.t.Fatalf("tmuxtest: %v", err)
	}
}

// Type sends text literally (no key-name lookup: "Enter" types E-n-t-e-r).
func (s *Session) Type(text string) {
	s.t.Helper()
	if _, err := s.tmux("send-keys", "-t", s.target, "-l", text); err != nil {
		s.t.Fatalf("tmuxtest: %v", err)
	}
}

// Capture returns the visible screen as text, one line per row.
func (s *Session) Capture() string {
	s.t.Helper()
	out, err := s.tmux("capture-pane", "-p", "-t", s.target)
	if err != nil {
		s.t.Fatalf("tmuxtest: %v", err)
	}
	return out
}

// WaitFor polls the screen until it contains text and returns that screen;
// at the deadline it fails the test, showing the last screen.
func (s *Session) WaitFor(text string, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		screen := s.Capture()
		if strings.Contains(screen, text) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("tmuxtest: %q not on screen after %v; screen:\n%s", text, timeout, screen)
		}
		<-tick.C
	}
}

// Exited reports whether the program has exited, and its exit status (-1
// when it could not be recorded, e.g. the program was killed with its
// wrapper).
func (s *Session) Exited() (bool, int) {
	s.t.Helper()
	out, err := s.tmux("display-message", "-p", "-t", s.target, "#{pane_dead}")
	if err != nil {
		s.t.Fatalf("tmuxtest: %v", err)
	}
	if dead, _, _ := strings.Cut(strings.TrimSpace(out), " "); dead != "1" {
		return false, 0
	}
	b, err := os.ReadFile(s.status)
	if err != nil {
		return true, -1 // the wrapper itself was killed: no status
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return true, -1
	}
	return true, code
}

// Kill ends the tmux server, the session and the program in it, and removes
// the socket directory. It is registered as cleanup by Start; calling it
// again does nothing.
func (s *Session) Kill() {
	if s.killed {
		return
	}
	s.killed = true
	_, _ = s.tmux("kill-server")
	_ = os.RemoveAll(s.dir)
}

// shellQuote joins argv into one /bin/sh command line, each word quoted.
func shellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
