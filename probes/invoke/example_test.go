package invoke_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/probes/invoke"
)

// Call a Book instance over gRPC with a short method name: server
// reflection tells the rest.
func ExampleGRPCClient_Invoke() {
	inst, err := bookstore.Start(bookstore.Config{})
	if err != nil {
		panic(err)
	}
	defer inst.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	g, err := invoke.DialGRPC(ctx, inst.GRPCAddr, invoke.GRPCOptions{})
	if err != nil {
		panic(err)
	}
	defer g.Close()
	res, err := g.Invoke(ctx, invoke.Request{Method: "bookstore.CreateBook",
		Body: []byte(`{"book": {"title": "Dune", "author": "Frank Herbert"}}`)})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Method, res.Status)
	res, err = g.Invoke(ctx, invoke.Request{Method: "bookstore.GetBook", Body: []byte(`{"id": "nope"}`)})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Status, res.OK())
	// Output:
	// /bookstore.v1.BookService/CreateBook OK
	// NOT_FOUND false
}

// Diff explains how two answers differ, ignoring key order and number
// spelling.
func ExampleDiff() {
	a := []byte(`{"title": "Dune", "year": 1965, "tags": ["sf"]}`)
	b := []byte(`{"tags": ["sf"], "year": 1965.0, "title": "Dune Messiah"}`)
	for _, line := range invoke.Diff(a, b, 0) {
		fmt.Println(line)
	}
	// Output:
	// title: "Dune" ≠ "Dune Messiah"
}
