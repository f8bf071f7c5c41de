package invoke_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/probes/invoke"
)

// failingThenOpen runs a Book instance whose GetBook fails with internal
// text once and then is refused by a real breaker that the failure opened.
func failingThenOpen(t *testing.T) *bookstore.Instance {
	t.Helper()
	b, err := circuitbreaker.New("reason", circuitbreaker.ConsecutiveFailures(1))
	if err != nil {
		t.Fatal(err)
	}
	return startBook(t, bookstore.Config{Middleware: func(m string, next endpoint.Endpoint) endpoint.Endpoint {
		if m != bookstore.MethodGetBook {
			return next
		}
		return b.Middleware(func(context.Context, any) (any, error) {
			return nil, errors.New("query on db-3.internal failed")
		})
	}})
}

// TestResultReason: a call's Result carries the reason the server sent,
// over HTTP (the error body's reason) and gRPC (the ErrorInfo detail), so
// a handler failure and the breaker rejection it caused read differently.
func TestResultReason(t *testing.T) {
	testutil.NoLeaks(t)
	ctx := t.Context()
	for _, tr := range []string{invoke.HTTP, invoke.GRPC} {
		inst := failingThenOpen(t)
		var call func(invoke.Request) (*invoke.Result, error)
		if tr == invoke.HTTP {
			h := httpClient(t, inst)
			call = func(r invoke.Request) (*invoke.Result, error) { return h.Invoke(ctx, r) }
		} else {
			g, err := invoke.DialGRPC(ctx, inst.GRPCAddr, invoke.GRPCOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			call = func(r invoke.Request) (*invoke.Result, error) { return g.Invoke(ctx, r) }
		}
		for _, want := range []string{"internal", "breaker_open"} {
			res, err := call(invoke.Request{Method: "GetBook", Body: []byte(`{"id":"1"}`)})
			if err != nil || res.OK() || res.Reason != want {
				t.Fatalf("%s: %+v, %v; want reason %q", tr, res, err, want)
			}
			if strings.Contains(res.Message+string(res.Body), "db-3") {
				t.Errorf("%s: internal text reached the caller: %s %s", tr, res.Message, res.Body)
			}
		}
	}
}
