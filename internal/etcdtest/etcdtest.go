// Package etcdtest runs a real etcd for tests: Debian's etcd-server
// (installed by .ci/deps.sh) on free loopback ports with a temporary data
// directory, killed when the test ends. It is for tests only.
package etcdtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Server is a running (or stopped) etcd.
type Server struct {
	// Addr is the client host:port; it stays the same across Stop and
	// Start, so clients can reconnect.
	Addr string

	tb       testing.TB
	bin, dir string
	peer     string
	cmd      *exec.Cmd
	log      *os.File
}

// Start runs etcd until the test ends and returns once it answers a
// linearizable read. Without etcd on PATH it skips the test, or fails it
// under KITBENCH_REQUIRE_TOOLS=1 (see testutil.NeedTool).
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := testutil.NeedTool(tb, "etcd")
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir(), Addr: testutil.FreeAddr(tb), peer: testutil.FreeAddr(tb)}
	s.Restart()
	tb.Cleanup(s.Stop)
	return s
}

// Restart starts a stopped etcd again on the same addresses and data, and
// waits (bounded) until it answers.
func (s *Server) Restart() {
	s.tb.Helper()
	if s.cmd != nil {
		return
	}
	log, err := os.OpenFile(filepath.Join(s.dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.log = log
	client, peer := "http://"+s.Addr, "http://"+s.peer
	s.cmd = exec.Command(s.bin,
		"--name", "kit", "--data-dir", filepath.Join(s.dir, "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "kit="+peer,
		"--heartbeat-interval", "50", "--election-timeout", "250",
		"--logger", "zap", "--log-outputs", "stderr")
	s.cmd.Stdout, s.cmd.Stderr = log, log // files: no copying goroutines
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatal(err)
	}
	c := s.Client()
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := c.Get(ctx, "probe")
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			s.tb.Fatalf("etcd did not answer on %s: %v\n%s", s.Addr, err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills etcd, as a crash would, and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = s.log.Close()
	s.cmd = nil
}

// Client returns etcd's own client for the server, for what a test does
// behind the code's back (compaction, revocation, raw reads). The caller
// closes it.
func (s *Server) Client() *clientv3.Client {
	s.tb.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{s.Addr}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		s.tb.Fatal(err)
	}
	return c
}
