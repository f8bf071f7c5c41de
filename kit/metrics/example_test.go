package metrics_test

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/transport"
)

func ExampleMetrics_Middleware() {
	reg := prometheus.NewRegistry() // the service's own registry
	m, err := metrics.New(reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	getBook := m.Middleware("GetBook", "http")(func(_ context.Context, req any) (any, error) {
		if req.(string) == "missing" {
			return nil, transport.NewError(404, "no such book")
		}
		return "a book", nil
	})
	for _, id := range []string{"1", "2", "missing"} {
		_, _ = getBook(context.Background(), id)
	}

	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() != metrics.RequestsTotal {
			continue
		}
		for _, s := range f.GetMetric() {
			fmt.Print(f.GetName())
			for _, l := range s.GetLabel() {
				fmt.Printf(" %s=%s", l.GetName(), l.GetValue())
			}
			fmt.Println(":", s.GetCounter().GetValue())
		}
	}
	// Output:
	// kit_requests_total code=404 endpoint=GetBook transport=http: 1
	// kit_requests_total code=ok endpoint=GetBook transport=http: 2
}
