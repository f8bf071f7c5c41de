package endpoint_test

import (
	"context"
	"fmt"

	"github.com/kitbench/kitbench/kit/endpoint"
)

type greetRequest struct{ Name string }

func ExampleTyped() {
	greet := endpoint.Typed(func(_ context.Context, r greetRequest) (string, error) {
		return "hello, " + r.Name, nil
	})
	resp, _ := greet(context.Background(), greetRequest{Name: "gopher"})
	fmt.Println(resp)
	_, err := greet(context.Background(), 42)
	fmt.Println(err)
	// Output:
	// hello, gopher
	// endpoint: wrong request type: got int, want endpoint_test.greetRequest
}

func ExampleChain() {
	annotate := func(tag string) endpoint.Middleware {
		return func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				fmt.Println("enter", tag)
				defer fmt.Println("leave", tag)
				return next(ctx, req)
			}
		}
	}
	e := endpoint.Chain(annotate("outer"), annotate("inner"))(endpoint.Nop)
	_, _ = e(context.Background(), nil)
	// Output:
	// enter outer
	// enter inner
	// leave inner
	// leave outer
}
