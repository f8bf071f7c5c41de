package fleetsim_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/fleetsim"
)

// The benchmarks run the fleet in a child process (this test binary
// again, with childEnv set), so the workbench's CPU and memory are
// measured apart from the fleet's, and the fleet's cost of answering the
// workbench can be read from its own CPU time.
const childEnv = "FLEETSIM_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childMain(spec))
	}
	os.Exit(m.Run())
}

// childMain serves a fleet as spec ("n,perListener,churnPerSecond") says
// until its stdin closes. It prints "ready <registry>" once serving, and
// answers each "stats" line with "stats <accepted> <calls>".
func childMain(spec string) int {
	var n, per, churn int
	if _, err := fmt.Sscanf(spec, "%d,%d,%d", &n, &per, &churn); err != nil {
		fmt.Fprintln(os.Stderr, "fleetsim child: bad spec", spec, err)
		return 2
	}
	f, err := fleetsim.Start(fleetsim.Options{N: n, PerListener: per, FailEvery: 50})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer f.Close()
	done := make(chan struct{})
	if churn > 0 {
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					if err := f.Churn(churn); err != nil {
						fmt.Fprintln(os.Stderr, "fleetsim child: churn:", err)
					}
				}
			}
		}()
	}
	defer close(done)
	fmt.Printf("ready %s\n", f.RegistryAddr())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "stats" {
			fmt.Printf("stats %d %d\n", f.Accepted(), f.Calls())
		}
	}
	return 0
}

// child is a fleet in a child process.
type child struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	addr  string
	clkTk float64 // clock ticks per second of /proc/<pid>/stat
}

// startChild starts a fleet of n instances in a child process and stops
// it at the end of the benchmark.
func startChild(tb testing.TB, n, perListener, churn int) *child {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%d,%d", childEnv, n, perListener, churn))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &child{cmd: cmd, in: in, out: bufio.NewScanner(out), clkTk: 100}
	tb.Cleanup(func() {
		in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	if !c.out.Scan() {
		tb.Fatalf("fleet child ended before it was ready: %v", c.out.Err())
	}
	addr, ok := strings.CutPrefix(c.out.Text(), "ready ")
	if !ok {
		tb.Fatalf("fleet child said %q, want ready <addr>", c.out.Text())
	}
	c.addr = addr
	return c
}

// stats asks the child for its accepted connections and calls so far.
func (c *child) stats(tb testing.TB) (accepted, calls uint64) {
	tb.Helper()
	if _, err := io.WriteString(c.in, "stats\n"); err != nil {
		tb.Fatal(err)
	}
	if !c.out.Scan() {
		tb.Fatalf("fleet child: no stats: %v", c.out.Err())
	}
	if _, err := fmt.Sscanf(c.out.Text(), "stats %d %d", &accepted, &calls); err != nil {
		tb.Fatalf("fleet child said %q: %v", c.out.Text(), err)
	}
	return accepted, calls
}

// cpu is the child's CPU time so far (user and system), from
// /proc/<pid>/stat.
func (c *child) cpu(tb testing.TB) time.Duration {
	tb.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(c.cmd.Process.Pid) + "/stat")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// After the command: state is field 3 of the file, utime 14, stime 15.
	ut, _ := strconv.ParseFloat(f[14-3], 64)
	st, _ := strconv.ParseFloat(f[15-3], 64)
	return time.Duration((ut + st) / c.clkTk * float64(time.Second))
}

// selfCPU is this process's CPU time so far (user and system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// selfRSS is this process's resident set size in bytes, from
// /proc/self/status.
func selfRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}
