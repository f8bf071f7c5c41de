package endpoint_test

import (
	"context"
	"fmt"
	"io"

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

func ExampleServerStream() {
	count := endpoint.ServerStream(func(_ context.Context, to int, out endpoint.Sender[int]) error {
		for i := 1; i <= to; i++ {
			if err := out.Send(i); err != nil {
				return err
			}
		}
		return nil
	})
	s := &printStream{in: []any{3}}
	fmt.Println(count(context.Background(), s))
	// Output:
	// sent 1
	// sent 2
	// sent 3
	// <nil>
}

// printStream is a Stream over a fixed list of requests that prints what
// is sent.
type printStream struct{ in []any }

func (s *printStream) Recv() (any, error) {
	if len(s.in) == 0 {
		return nil, io.EOF
	}
	m := s.in[0]
	s.in = s.in[1:]
	return m, nil
}

func (s *printStream) Send(m any) error { fmt.Println("sent", m); return nil }
