package etcd_test

import (
	"testing"

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
