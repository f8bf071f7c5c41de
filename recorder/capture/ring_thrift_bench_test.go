package capture_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/benchutil"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// The Thrift pair of the ring's loopback benchmarks: the whole Book
// service in a child process, called over its Thrift listener (binary
// protocol), with its exchange ring on (impl=kit-ring) and off (impl=kit).
func init() {
	for _, impl := range []string{"kit", "kit-ring"} {
		benchutil.Register("thrift-"+impl, func(ln net.Listener) error { return serveThriftFull(ln, impl) })
	}
}

func serveThriftFull(ln net.Listener, impl string) error {
	store := bookstore.NewStore()
	_, _ = store.CreateBook(context.Background(), bookstore.Book{Title: "Bench", Author: "Mark", Year: 2026})
	cfg := bookstore.Config{Service: store, RateLimit: 1e9, Burst: 1 << 20, NoExchangeRing: impl != "kit-ring",
		ThriftAddr: ln.Addr().String(), HTTPAddr: "127.0.0.1:0", GRPCAddr: "127.0.0.1:0"}
	ln.Close() // bookstore.Start listens itself, on the same loopback port
	_, err := bookstore.Start(cfg)
	return err
}

// thriftCaller returns a function making one GetBook call to the child
// over Thrift.
func thriftCaller(b *testing.B, child *benchutil.Child) func(int) error {
	pool := kitthrift.NewPool(child.Addr, kitthrift.PoolConfig{})
	b.Cleanup(func() { _ = pool.Close() })
	e := bookstore.NewThriftClient(pool)
	return func(int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := e.GetBook(ctx, bookstore.GetBookRequest{ID: "0000000000000001"})
		return err
	}
}

// BenchmarkRingThriftServerCPU is BenchmarkRingFullServerCPU over Thrift.
func BenchmarkRingThriftServerCPU(b *testing.B) {
	for _, impl := range []string{"kit", "kit-ring"} {
		b.Run("impl="+impl, func(b *testing.B) { measure(b, "thrift-", impl, thriftCaller) })
	}
}
