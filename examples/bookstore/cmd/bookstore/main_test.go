package main

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the command: with BOOKSTORE_RUN_MAIN set it
// runs main's logic with the arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("BOOKSTORE_RUN_MAIN") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(run(args))
	}
	os.Exit(m.Run())
}

func command(t *testing.T, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "BOOKSTORE_RUN_MAIN=1")
	return cmd
}

func TestServesUntilSIGINT(t *testing.T) {
	cmd := command(t, "-http-addr", "127.0.0.1:0", "-grpc-addr", "127.0.0.1:0", "-registry", "", "-log-level", "debug")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	httpAddr := regexp.MustCompile(`http=(127\.0\.0\.1:\d+)`)
	var addr string
	timeout := time.After(30 * time.Second)
	for addr == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("bookstore exited before listening")
			}
			if m := httpAddr.FindStringSubmatch(line); m != nil {
				addr = m[1]
			}
		case <-timeout:
			t.Fatal("bookstore did not report its address")
		}
	}
	resp, err := http.Get("http://" + addr + "/v1/books?page_size=5")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("list: %d", resp.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for line := range lines {
		rest = append(rest, line)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, strings.Join(rest, "\n"))
	}
	// At debug, the call's record carries its request and response.
	if out := strings.Join(rest, "\n"); !strings.Contains(out, "msg=call method=ListBooks request.page_size=5") {
		t.Errorf("no debug record of the call with its request:\n%s", out)
	}
}

func TestBadLogLevelExitsWithUsage(t *testing.T) {
	out, err := command(t, "-log-level", "loud", "-registry", "").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "-log-level") {
		t.Fatalf("err %v, output %q: want exit 2 naming -log-level", err, out)
	}
}

func TestBusyPortExitsNonZero(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := command(t, "-http-addr", ln.Addr().String(), "-grpc-addr", "127.0.0.1:0", "-registry", "")
	// Bounded: a command that wrongly starts serving is killed.
	timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), ln.Addr().String()) {
		t.Fatalf("err %v, output %q: want a failure naming the address", err, out)
	}
}
