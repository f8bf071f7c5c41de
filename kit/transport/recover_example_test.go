package transport_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A service gives every kit server one policy: its own logger,
// kit_panics_total in its own registry, and the span marking of
// kit/tracing. Servers call Recovered for it.
func ExamplePanicPolicy() {
	reg := prometheus.NewRegistry()
	counter, err := metrics.NewPanicCounter(reg)
	if err != nil {
		panic(err)
	}
	policy := &transport.PanicPolicy{Logger: slog.New(slog.DiscardHandler), Counter: counter, MarkSpan: tracing.MarkPanicked}
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
	fmt.Println(testutil.CollectAndCount(reg, metrics.PanicsTotal))
	// Output:
	// kit: handler panicked: grpc /bookstore.v1.BookService/GetBook true 500
	// 1
}
