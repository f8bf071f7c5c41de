package thrift_test

import (
	"context"
	"fmt"
	"net"

	bookthrift "github.com/kitbench/kitbench/examples/bookstore/thriftpb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
)

// An endpoint served as a method of a generated Thrift handler, and called
// back through a generated client: the caller sees the endpoint's types
// and kit's error meanings, whatever the wire.
func Example() {
	sh := newShelf()
	_, _ = sh.create(context.Background(), book{Title: "Dune", Year: 1965})

	// Server: a generated handler whose GetBook is a kit endpoint.
	h := &handler{get: kitthrift.NewServer(endpoint.Typed(sh.get), decodeGet, encodeBook,
		kitthrift.ServerErrorEncoder(encodeError))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := kitthrift.NewSocketServer(bookthrift.NewBookServiceProcessor(h), kitthrift.SocketConfig{})
	go srv.Serve(ln)
	defer srv.Close()

	// Client: a pool of compact-protocol connections and one endpoint.
	pool := kitthrift.NewPool(ln.Addr().String(), kitthrift.PoolConfig{Protocol: kitthrift.Compact})
	defer pool.Close()
	get := kitthrift.NewClient(pool,
		kitthrift.Method(bookthrift.NewBookServiceClient, (*bookthrift.BookServiceClient).GetBook),
		encodeGetRequest, decodeBook).Endpoint()

	b, err := get(context.Background(), getRequest{ID: "b1"})
	fmt.Printf("%+v %v\n", b, err)
	_, err = get(context.Background(), getRequest{ID: "b9"})
	fmt.Println(transport.StatusOf(err), err)
	// Output:
	// {ID:b1 Title:Dune Year:1965} <nil>
	// 404 book not found
}
