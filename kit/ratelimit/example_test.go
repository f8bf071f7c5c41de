package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/transport"
)

func ExampleNewErroring() {
	reg := introspect.NewRegistry(introspect.Info{Service: "books"})
	lim, err := ratelimit.NewErroring("books", 1, 2, ratelimit.WithRegistry(reg))
	if err != nil {
		panic(err)
	}
	getBook := lim.Middleware(endpoint.Nop)
	for range 3 {
		_, err := getBook(context.Background(), "isbn-1")
		wait, _ := transport.RetryAfterOf(err)
		fmt.Println(errors.Is(err, ratelimit.ErrLimited), transport.StatusOf(err), wait.Round(time.Second))
	}
	info := reg.Limiters()[0]
	fmt.Printf("%s: %d allowed, %d rejected\n", info.Name, info.Allowed, info.Rejected)
	// Output:
	// false 200 0s
	// false 200 0s
	// true 429 1s
	// books: 2 allowed, 1 rejected
}

func ExampleNewDelaying() {
	lim, err := ratelimit.NewDelaying("catalog", 0.1, 1) // one call every 10 s
	if err != nil {
		panic(err)
	}
	list := lim.Middleware(endpoint.Nop)
	_, err = list(context.Background(), nil)
	fmt.Println(err)

	// The next token is 10 s away: a caller with a 1 s deadline is told so
	// at once instead of waiting for nothing.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err = list(ctx, nil)
	fmt.Println(errors.Is(err, ratelimit.ErrLimited), time.Since(start) < time.Second)
	// Output:
	// <nil>
	// true true
}
