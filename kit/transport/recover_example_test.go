package transport_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/kitbench/kitbench/kit/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A service gives every kit server one policy: its own logger, and
// kit_panics_total in its own registry. Servers call Recovered for it.
func ExamplePanicPolicy() {
	reg := prometheus.NewRegistry()
	counter, err := transport.NewPanicCounter(reg)
	if err != nil {
		panic(err)
	}
	policy := &transport.PanicPolicy{Logger: slog.New(slog.DiscardHandler), Counter: counter}
	// kithttp.ServerPanicPolicy(policy), kitgrpc.ServerPanicPolicy(policy),
	// kitgrpc.RecoverUnary(policy), kitthrift.SocketConfig{Panics: policy}…

	err = func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = policy.Recovered(context.Background(), "grpc", "/bookstore.v1.BookService/GetBook", v)
			}
		}()
		panic("db password is hunter2")
	}()
	fmt.Println(err, errors.Is(err, transport.ErrPanic), transport.StatusOf(err))
	fmt.Println(testutil.CollectAndCount(reg, transport.PanicsTotal))
	// Output:
	// kit: handler panicked: grpc /bookstore.v1.BookService/GetBook true 500
	// 1
}
