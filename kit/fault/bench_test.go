package fault_test

import (
	"context"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/fault"
)

var sink any

// BenchmarkMiddlewareNoFault measures the fault middleware with no fault
// set (the closed path) beside the bare endpoint, in the same run: the
// difference is the cost every call pays for being controllable.
func BenchmarkMiddlewareNoFault(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=raw", func(b *testing.B) {
		e := endpoint.Nop
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = e(ctx, nil)
		}
	})
	b.Run("impl=kit", func(b *testing.B) {
		e := fault.New().Middleware("GetBook")(endpoint.Nop)
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = e(ctx, nil)
		}
	})
}
