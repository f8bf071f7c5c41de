package sd_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
)

func ExampleEndpointer() {
	instances, err := sd.StaticInstances("book", "127.0.0.1:8081", "127.0.0.1:8082")
	if err != nil {
		fmt.Println(err)
		return
	}
	factory := func(inst sd.Instance) (endpoint.Endpoint, io.Closer, error) {
		// A real factory dials inst.Address and returns the connection as
		// the io.Closer.
		return func(context.Context, any) (any, error) { return "hello from " + inst.Address, nil }, nil, nil
	}
	e := sd.NewEndpointer(sd.FixedInstancer(instances), factory)
	defer e.Close()
	if err := e.Wait(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	entries, _ := e.Entries()
	for _, en := range entries {
		resp, _ := en.Endpoint(context.Background(), nil)
		fmt.Println(resp)
	}
	fmt.Println("stale:", e.State().Stale)
	// Output:
	// hello from 127.0.0.1:8081
	// hello from 127.0.0.1:8082
	// stale: false
}

func ExampleStaticInstances() {
	_, err := sd.StaticInstances("book", "127.0.0.1")
	fmt.Println(errors.Is(err, sd.ErrBadAddress))
	// Output: true
}
