package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/kitbench/kitbench/internal/testutil"
	"go.uber.org/goleak"
)

// TestMain lets a test start this binary as kitbench itself: with
// KITBENCH_RUN_MAIN=1 the process runs main instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("KITBENCH_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func runArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRootHelpVersionCompletion(t *testing.T) {
	if code, out, _ := runArgs(t, "--version"); code != 0 || !strings.HasPrefix(out, "kitbench version ") {
		t.Fatalf("--version: %d %q", code, out)
	}
	code, out, _ := runArgs(t, "--help")
	for _, want := range []string{"registry", "completion", "CONSUL_HTTP_ADDR", "127.0.0.1:8500"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--help lacks %q (exit %d)", want, code)
		}
	}
	if code, out, _ := runArgs(t, "registry", "--help"); code != 0 || !strings.Contains(out, "not Consul") || !strings.Contains(out, "--addr") {
		t.Fatalf("registry --help: %d %q", code, out)
	}
	if code, out, _ := runArgs(t, "completion", "bash"); code != 0 || !strings.Contains(out, "bash completion") {
		t.Fatalf("completion bash: %d, %d bytes", code, len(out))
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"registry", "--bogus"}, {"registry", "extra"}, {"registry", "--addr", "no-port"}} {
		code, out, errOut := runArgs(t, args...)
		if code != 1 || out != "" || !strings.HasPrefix(errOut, "kitbench: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}

func TestRegistryAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	code, _, errOut := runArgs(t, "registry", "--addr", addr)
	want := "kitbench: " + addr + " is in use — is Consul or another kitbench registry running? use --addr\n"
	if code != 1 || errOut != want {
		t.Fatalf("exit %d, stderr %q, want %q", code, errOut, want)
	}
}

// lines delivers r line by line.
func lines(r io.Reader) <-chan string {
	ch := make(chan string, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

// listening reads the announcement line and returns the address.
func listening(t *testing.T, out <-chan string) string {
	t.Helper()
	select {
	case line := <-out:
		addr, ok := strings.CutPrefix(line, "kitbench dev registry listening on http://")
		if !ok {
			t.Fatalf("first line %q", line)
		}
		return addr
	case <-time.After(20 * time.Second):
		t.Fatal("registry did not announce its address")
	}
	return ""
}

func ping(t *testing.T, addr string) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := api.NewClient(&api.Config{Address: addr, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	if leader, err := c.Status().Leader(); err != nil || leader == "" {
		t.Fatalf("leader = %q, %v", leader, err)
	}
}

func TestRegistryInProcess(t *testing.T) {
	base := goleak.IgnoreCurrent()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"registry", "--addr", "127.0.0.1:0"}, pw, &errb)
		pw.Close()
	}()
	out := lines(pr)
	addr := listening(t, out)
	ping(t, addr)
	var rest []string
	for line := range out {
		rest = append(rest, line)
		if strings.Contains(line, "Ctrl-C") {
			break
		}
	}
	if text := strings.Join(rest, "\n"); !strings.Contains(text, "not Consul") || !strings.Contains(text, "CONSUL_HTTP_ADDR="+addr) {
		t.Fatalf("announcement %q", text)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if last := <-out; last != "registry stopped" {
		t.Fatalf("last line %q", last)
	}
	testutil.VerifyNone(t, base)
}

func TestRegistrySignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "registry", "--addr", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "KITBENCH_RUN_MAIN=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var errb bytes.Buffer
			cmd.Stderr = &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			defer func() {
				if !killed {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				}
			}()
			out := lines(stdout)
			addr := listening(t, out)
			ping(t, addr)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var rest []string
			for line := range out {
				rest = append(rest, line)
			}
			err = cmd.Wait()
			killed = true
			if err != nil {
				t.Fatalf("exit after %v: %v, stderr %q", sig, err, errb.String())
			}
			if rest[len(rest)-1] != "registry stopped" || errb.Len() != 0 {
				t.Fatalf("output %q, stderr %q", rest, errb.String())
			}
		})
	}
}
