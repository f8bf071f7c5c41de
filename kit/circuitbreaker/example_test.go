package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
)

func ExampleBreaker_Middleware() {
	// A fixed clock keeps the example's output stable; services leave it out.
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	reg := introspect.NewRegistry(introspect.Info{Service: "gateway"})
	b, err := circuitbreaker.New("books",
		circuitbreaker.ConsecutiveFailures(2),
		circuitbreaker.OpenTimeout(30*time.Second),
		circuitbreaker.WithClock(func() time.Time { return now }),
		circuitbreaker.WithRegistry(reg))
	if err != nil {
		panic(err)
	}
	getBook := b.Middleware(func(context.Context, any) (any, error) {
		return nil, errors.New("books: connection refused")
	})

	for range 3 {
		_, err := getBook(context.Background(), "isbn-1")
		fmt.Println(err)
	}
	_, err = getBook(context.Background(), "isbn-1")
	wait, _ := transport.RetryAfterOf(err)
	fmt.Println(errors.Is(err, circuitbreaker.ErrOpen), transport.StatusOf(err), wait)
	info := reg.Breakers()[0]
	fmt.Println(info.Name, info.State, info.Counts.Failures, "failures,", info.Counts.Rejected, "rejected")
	// Output:
	// books: connection refused
	// books: connection refused
	// circuitbreaker: books: breaker is open
	// true 503 30s
	// books open 2 failures, 2 rejected
}
