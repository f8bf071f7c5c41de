package tracing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"go.opentelemetry.io/otel/attribute"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/tracing"
)

func Example() {
	reg := introspect.NewRegistry(introspect.Info{Service: "bookstore"})
	ring := tracing.NewRing(0, reg) // also serves the registry's /spans
	tp, err := tracing.NewProvider("bookstore", ring)
	if err != nil {
		panic(err)
	}
	defer func() { _ = tp.Shutdown(context.Background()) }()

	getBook := func(ctx context.Context, req any) (any, error) {
		tracing.AddEvent(ctx, tracing.EventBreaker, attribute.String("state", "closed"))
		return "Dune", nil
	}
	ep := tracing.Middleware(tp, "GetBook", tracing.WithAttributes(attribute.String("transport", "http")))(getBook)

	// The HTTP server hook adopts the caller's trace context.
	r := httptest.NewRequest(http.MethodGet, "/books/1", nil)
	r.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	ctx := tracing.HTTPServerBefore(nil)(context.Background(), r)
	if _, err := ep(ctx, nil); err != nil {
		panic(err)
	}

	page := reg.Spans(0, 10)
	s := page.Spans[0]
	fmt.Println(s.Name, s.Service, s.Kind, s.TraceID, s.ParentSpanID)
	fmt.Println(s.Attributes["transport"], s.Events[0].Name, s.Events[0].Attributes["state"])
	// Output:
	// GetBook bookstore server 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7
	// http circuitbreaker closed
}

func ExampleWithSampleRatio() {
	ring := tracing.NewRing(16, nil)
	tp, err := tracing.NewProvider("bookstore", ring, tracing.WithSampleRatio(0))
	if err != nil {
		panic(err)
	}
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ep := tracing.Middleware(tp, "GetBook")(func(context.Context, any) (any, error) { return nil, nil })
	_, _ = ep(context.Background(), nil)
	spans, _, _ := ring.Spans(0, 10)
	fmt.Println(len(spans), "spans recorded")
	// Output: 0 spans recorded
}
