package thrift_test

import (
	"context"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/kit/endpoint"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// The benchmarks compare a generated GetBook handler written by hand
// (impl=raw) with the same handler routed through a kit Server
// (impl=kit). Both do the same work: look the book up and convert between
// domain and Thrift types; the generated processor does the rest.

var benchBook = book{ID: "b1", Title: "Dune", Year: 1965}

func benchGet(_ context.Context, r getRequest) (book, error) { return benchBook, nil }

// rawHandler is a hand-written BookService: no kit in the way.
type rawHandler struct{ *handler }

func (rawHandler) GetBook(ctx context.Context, r *bookthrift.GetBookRequest) (*bookthrift.Book, error) {
	b, err := benchGet(ctx, getRequest{ID: r.GetID()})
	if err != nil {
		return nil, err
	}
	return &bookthrift.Book{ID: b.ID, Title: b.Title, Year: b.Year}, nil
}

func benchHandlers() []struct {
	name string
	h    bookthrift.BookService
} {
	return []struct {
		name string
		h    bookthrift.BookService
	}{
		{"kit", &handler{get: kitthrift.NewServer(endpoint.Typed(benchGet), decodeGet, encodeBook)}},
		{"raw", rawHandler{&handler{}}},
	}
}

// processOnce is one GetBook call through a processor, in memory: the
// request is decoded from a buffer and the reply encoded into another.
type processOnce struct {
	p       thrift.TProcessor
	request []byte
	in, out *thrift.TMemoryBuffer
	ip, op  thrift.TProtocol
}

func newProcessOnce(tb testing.TB, h bookthrift.BookService) *processOnce {
	f := thrift.NewTBinaryProtocolFactoryConf(nil)
	req := thrift.NewTMemoryBuffer()
	p := f.GetProtocol(req)
	ctx := context.Background()
	args := &bookthrift.BookServiceGetBookArgs{Req: &bookthrift.GetBookRequest{ID: "b1"}}
	if err := p.WriteMessageBegin(ctx, "GetBook", thrift.CALL, 1); err != nil {
		tb.Fatal(err)
	}
	if err := args.Write(ctx, p); err != nil {
		tb.Fatal(err)
	}
	_ = p.WriteMessageEnd(ctx)
	po := &processOnce{p: bookthrift.NewBookServiceProcessor(h), request: req.Bytes(),
		in: thrift.NewTMemoryBuffer(), out: thrift.NewTMemoryBuffer()}
	po.ip, po.op = f.GetProtocol(po.in), f.GetProtocol(po.out)
	return po
}

func (po *processOnce) run(tb testing.TB) {
	po.in.Reset()
	po.out.Reset()
	_, _ = po.in.Write(po.request)
	if ok, err := po.p.Process(context.Background(), po.ip, po.op); !ok || err != nil {
		tb.Fatalf("Process: %v, %v", ok, err)
	}
}

// BenchmarkServer measures the server side alone: one GetBook message
// through the generated processor and the handler, in memory. The
// processor's connectivity check is turned off here: it starts a goroutine
// and a ticker per call whose allocations vary with scheduling (14 or 15
// per call for the same code), the same for both impls, and that noise
// would hide the difference measured. TestServerAddsAtMostTwoAllocations
// checks the budget the same way.
func BenchmarkServer(b *testing.B) {
	saved := thrift.ServerConnectivityCheckInterval
	thrift.ServerConnectivityCheckInterval = 0
	defer func() { thrift.ServerConnectivityCheckInterval = saved }()
	for _, impl := range benchHandlers() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			po := newProcessOnce(b, impl.h)
			b.ReportAllocs()
			for b.Loop() {
				po.run(b)
			}
		})
	}
}

// BenchmarkLoopback measures whole calls over a loopback socket: a Pool
// and the generated client against a SocketServer, binary protocol.
func BenchmarkLoopback(b *testing.B) {
	for _, impl := range benchHandlers() {
		b.Run("impl="+impl.name, func(b *testing.B) {
			s := serve(b, impl.h, "", kitthrift.SocketConfig{})
			pl := kitthrift.NewPool(s.addr, kitthrift.PoolConfig{})
			defer pl.Close()
			c := bookthrift.NewBookServiceClient(pl)
			ctx := context.Background()
			req := &bookthrift.GetBookRequest{ID: "b1"}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.GetBook(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
