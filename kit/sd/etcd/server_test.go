package etcd_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/etcdtest"
	"github.com/kitbench/kitbench/kit/sd/etcd"
)

// server is a real etcd for this package's tests (see internal/etcdtest),
// with the package's own client at hand.
type server struct {
	*etcdtest.Server
	t *testing.T
}

func startEtcd(t *testing.T) *server { return &server{etcdtest.Start(t), t} }

// client returns the package's client for the server.
func (s *server) client() *etcd.Conn {
	s.t.Helper()
	c, err := etcd.NewClient(s.Addr)
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
