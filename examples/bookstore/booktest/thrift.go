package booktest

import (
	"bytes"
	"context"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/introspect"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// StartThrift runs a Book instance with a Thrift listener on loopback
// and its exchange ring on, until the test ends.
func StartThrift(tb testing.TB, id string) *bookstore.Instance {
	tb.Helper()
	return Start(tb, bookstore.Config{InstanceID: id, ThriftAddr: "127.0.0.1:0", RateLimit: 1e6, Burst: 1 << 20})
}

// ThriftClient returns the Book endpoints over Thrift to addr in protocol
// p, its connections closed when the test ends.
func ThriftClient(tb testing.TB, addr string, p kitthrift.Protocol) bookstore.Endpoints {
	tb.Helper()
	pool := kitthrift.NewPool(addr, kitthrift.PoolConfig{Protocol: p})
	tb.Cleanup(func() { _ = pool.Close() })
	return bookstore.NewThriftClient(pool)
}

// ThriftCalls makes three calls on inst over Thrift: CreateBook of
// "Dune" over the binary protocol, GetBook of it over compact, and GetBook
// of a missing book over binary (a NotFound exception); it returns the
// created book's id.
func ThriftCalls(tb testing.TB, inst *bookstore.Instance) string {
	tb.Helper()
	ctx := context.Background()
	bin, compact := ThriftClient(tb, inst.ThriftAddr, kitthrift.Binary), ThriftClient(tb, inst.ThriftAddr, kitthrift.Compact)
	created, err := bin.CreateBook(ctx, bookstore.CreateBookRequest{Title: "Dune", Author: "Frank Herbert", Year: 1965})
	if err != nil {
		tb.Fatal(err)
	}
	id := created.(bookstore.Book).ID
	if _, err := compact.GetBook(ctx, bookstore.GetBookRequest{ID: id}); err != nil {
		tb.Fatal(err)
	}
	if _, err := bin.GetBook(ctx, bookstore.GetBookRequest{ID: "missing"}); err == nil {
		tb.Fatal("GetBook of a missing book succeeded")
	}
	return id
}

// Ring returns what inst's exchange ring holds, as /exchanges answers it:
// a kitrec session, redacted.
func Ring(tb testing.TB, inst *bookstore.Instance) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := inst.Exchanges.WriteExchanges(&buf, introspect.ExchangeQuery{Limit: introspect.MaxExchangeLimit}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
