package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/introspect"
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

// BenchmarkRingThriftRead is BenchmarkRingRead for Thrift calls: n
// GetBook calls kept by a Book instance's ring, each read with its
// messages decoded and its request's types described, redacted and
// encoded.
func BenchmarkRingThriftRead(b *testing.B) {
	const n = 1000
	inst, err := bookstore.Start(bookstore.Config{InstanceID: "bench", RateLimit: 1e9, Burst: 1 << 20, ThriftAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = inst.Shutdown(ctx)
	}()
	pool := kitthrift.NewPool(inst.ThriftAddr, kitthrift.PoolConfig{})
	defer pool.Close()
	e := bookstore.NewThriftClient(pool)
	for i := range n {
		_, _ = e.GetBook(context.Background(), bookstore.GetBookRequest{ID: fmt.Sprintf("%016d", i)})
	}
	b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
		var out bytes.Buffer
		for b.Loop() {
			out.Reset()
			page, err := inst.Exchanges.WriteExchanges(&out, introspect.ExchangeQuery{Limit: n})
			if err != nil || page.Count != n {
				b.Fatalf("%v, %d exchanges", err, page.Count)
			}
		}
	})
}
