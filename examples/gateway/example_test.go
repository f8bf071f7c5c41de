package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/examples/gateway"
)

// A gateway in front of one Book instance given as a static target: the
// Book API answers at the gateway's address.
func Example() {
	book, err := bookstore.Start(bookstore.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer book.Shutdown(context.Background())

	gw, err := gateway.Start(gateway.Config{Targets: []string{book.GRPCAddr}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gw.Shutdown(context.Background())

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Post("http://"+gw.HTTPAddr+"/v1/books", "application/json",
		strings.NewReader(`{"title":"Dune","author":"Frank Herbert","year":1965}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var b bookstore.Book
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status, b.Title, b.Year)
	fmt.Println("instances:", len(gw.Upstreams()), "ejected:", len(gw.Ejected()))
	// Output:
	// 200 OK Dune 1965
	// instances: 1 ejected: 0
}
