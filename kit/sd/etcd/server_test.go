package etcd_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kitbench/kitbench/kit/sd/etcd"
)

// server is a real etcd (Debian's etcd-server, installed by .ci/deps.sh)
// on free loopback ports with a temporary data directory. It is killed at
// cleanup.
type server struct {
	t          *testing.T
	bin        string
	dir        string
	clientAddr string // host:port
	peerAddr   string
	cmd        *exec.Cmd
	log        *os.File
}

func startEtcd(t *testing.T) *server {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatalf("no etcd on PATH (%v): install Debian's etcd-server, as .ci/deps.sh does", err)
	}
	s := &server{t: t, bin: bin, dir: t.TempDir(), clientAddr: freeAddr(t), peerAddr: freeAddr(t)}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs etcd and waits (boundedly) until it answers a linearizable
// read, i.e. has elected itself leader.
func (s *server) start() {
	s.t.Helper()
	log, err := os.OpenFile(filepath.Join(s.dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	s.log = log
	client, peer := "http://"+s.clientAddr, "http://"+s.peerAddr
	s.cmd = exec.Command(s.bin,
		"--name", "kit", "--data-dir", filepath.Join(s.dir, "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "kit="+peer,
		"--heartbeat-interval", "50", "--election-timeout", "250",
		"--logger", "zap", "--log-outputs", "stderr")
	s.cmd.Stdout, s.cmd.Stderr = log, log // files: no copying goroutines
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	c := s.raw()
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
			s.t.Fatalf("etcd did not answer on %s: %v\n%s", s.clientAddr, err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills etcd, as a crash would, and waits for it to exit.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	_ = s.log.Close()
	s.cmd = nil
}

// raw returns etcd's own client, for what the test does behind the
// package's back (compaction, revocation, reading raw values).
func (s *server) raw() *clientv3.Client {
	s.t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{s.clientAddr}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// client returns the package's client for the server.
func (s *server) client() *etcd.Conn {
	s.t.Helper()
	c, err := etcd.NewClient(s.clientAddr)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// waitGoroutines polls, with a bound, until the goroutine count is back to
// want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines %d, want <= %d\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
