// Package benchutil measures what a server costs per request when it runs in a
// process of its own: the test binary re-executes itself as a child that
// serves one registered server on a loopback port, and reports its own CPU
// time on request.
//
// Requests per second cannot resolve differences under about 25 % on a small,
// noisy machine; server CPU time per request can, because it does not count
// the load generator and is not stretched by other processes waiting for a
// core. Benchmarks use it like this:
//
//	func init() { benchutil.Register("kit", serveKit) }
//	func TestMain(m *testing.M) { benchutil.Main(m) }
//
//	func BenchmarkServerCPU(b *testing.B) {
//		c := benchutil.StartChild(b, "kit")
//		benchutil.ReportServerCPU(b, c, func() { /* send exactly b.N requests to c.Addr */ })
//	}
//
// # Failure behaviour
//
// StartChild fails the benchmark (tb.Fatal) when the child cannot start or
// does not report its address within ten seconds; the child is killed at
// cleanup, and it exits by itself when its parent goes away (its stdin
// closes). It is for tests and benchmarks only.
//
// # Profiling a child
//
// With KITBENCH_CHILD_CPUPROFILE set to a path, a child writes a CPU profile
// of its whole life there (suffixed with the server's name), so that a
// server-ns/op figure can be explained with go tool pprof:
//
//	KITBENCH_CHILD_CPUPROFILE=/tmp/cpu go test -bench BookServerCPU ./bench
//	go tool pprof -top /tmp/cpu.book-kit
package benchutil

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	childEnv   = "KITBENCH_BENCHUTIL_CHILD"
	profileEnv = "KITBENCH_CHILD_CPUPROFILE"
)

var (
	mu      sync.Mutex
	servers = map[string]func(net.Listener) error{}
)

// Register names a server that StartChild can run in a child process. Call
// it from init, in the test binary that calls Main.
func Register(name string, serve func(ln net.Listener) error) {
	mu.Lock()
	defer mu.Unlock()
	servers[name] = serve
}

// Main runs the tests, or, in a child started by StartChild, the named
// server. Call it from TestMain.
func Main(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		os.Exit(runChild(name, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// runChild serves the named server and answers "cpu" lines on in with the
// process CPU time in nanoseconds, until in closes.
func runChild(name string, in io.Reader, out io.Writer) int {
	mu.Lock()
	serve := servers[name]
	mu.Unlock()
	if serve == nil {
		fmt.Fprintf(out, "ERR no server registered as %q\n", name)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(out, "ERR %v\n", err)
		return 2
	}
	go func() {
		if err := serve(ln); err != nil {
			fmt.Fprintf(os.Stderr, "benchutil child %s: %v\n", name, err)
		}
	}()
	if path := os.Getenv(profileEnv); path != "" {
		stop, err := startProfile(path + "." + name)
		if err != nil {
			fmt.Fprintf(out, "ERR %v\n", err)
			return 2
		}
		defer stop()
	}
	fmt.Fprintf(out, "ADDR %s\n", ln.Addr())
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if sc.Text() == "cpu" {
			fmt.Fprintf(out, "%d\n", processCPU())
		}
	}
	return 0
}

// startProfile starts a CPU profile written to path; stop ends it.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// Child is a server running in a child process.
type Child struct {
	// Addr is the loopback host:port the child serves on.
	Addr string

	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
}

// StartChild starts the test binary as a child serving the server registered
// under name, and stops it when tb's test ends.
func StartChild(tb testing.TB, name string) *Child {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatalf("benchutil: %v", err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatalf("benchutil: %v", err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("benchutil: %v", err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("benchutil: start child %s: %v", name, err)
	}
	tb.Cleanup(func() {
		_ = in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	c := &Child{in: in, out: bufio.NewReader(outPipe)}
	line, err := c.readLine(10 * time.Second)
	if err != nil {
		tb.Fatalf("benchutil: child %s: %v", name, err)
	}
	addr, ok := strings.CutPrefix(line, "ADDR ")
	if !ok {
		tb.Fatalf("benchutil: child %s: %s", name, line)
	}
	c.Addr = addr
	return c
}

func (c *Child) readLine(timeout time.Duration) (string, error) {
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := c.out.ReadString('\n')
		ch <- result{strings.TrimSpace(s), err}
	}()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(timeout):
		return "", fmt.Errorf("no answer within %v", timeout)
	}
}

// CPU returns the child's total process CPU time (user and system) so far.
// It panics if the child has died, which fails the benchmark loudly.
func (c *Child) CPU() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.in, "cpu\n"); err != nil {
		panic(fmt.Sprintf("benchutil: child gone: %v", err))
	}
	line, err := c.readLine(10 * time.Second)
	if err != nil {
		panic(fmt.Sprintf("benchutil: child CPU: %v", err))
	}
	ns, err := strconv.ParseInt(line, 10, 64)
	if err != nil || ns < 0 {
		panic(fmt.Sprintf("benchutil: child CPU: bad answer %q", line))
	}
	return time.Duration(ns)
}

// ReportServerCPU runs load, which must send exactly b.N requests to the
// child, with the benchmark timer running, and reports the child's CPU time
// per request as the metric "server-ns/op".
func ReportServerCPU(b *testing.B, c *Child, load func()) {
	b.Helper()
	before := c.CPU()
	b.ResetTimer()
	load()
	b.StopTimer()
	after := c.CPU()
	b.ReportMetric(float64(after-before)/float64(b.N), "server-ns/op")
}

// Spread calls fn n times in total from workers goroutines, passing each call
// its index, and returns the first error. It is a bounded load loop: it ends
// when n calls are made or one fails.
func Spread(n, workers int, fn func(i int) error) error {
	if workers < 1 {
		workers = 1
	}
	var (
		next    = make(chan int)
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
		stop    = make(chan struct{})
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					errOnce.Do(func() { first = err; close(stop) })
					return
				}
			}
		}()
	}
	func() {
		defer close(next)
		for i := 0; i < n; i++ {
			select {
			case next <- i:
			case <-stop:
				return
			}
		}
	}()
	wg.Wait()
	return first
}
