package endpoint_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
)

type upperReq struct{ S string }
type upperResp struct{ V string }

func TestTypesOf(t *testing.T) {
	called := false
	e := endpoint.Typed(func(_ context.Context, r upperReq) (upperResp, error) {
		called = true
		return upperResp{V: r.S}, nil
	})
	req, resp, ok := endpoint.TypesOf(e)
	if !ok || req != reflect.TypeFor[upperReq]() || resp != reflect.TypeFor[upperResp]() {
		t.Fatalf("TypesOf = %v, %v, %v", req, resp, ok)
	}
	if called {
		t.Fatal("TypesOf called the endpoint's function")
	}
	// Wrapped, or not Typed at all: unknown, and never called.
	wrapped := endpoint.Chain(func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, r any) (any, error) { t.Fatal("wrapped endpoint called"); return nil, nil }
	})(e)
	for _, other := range []endpoint.Endpoint{nil, endpoint.Nop, wrapped} {
		if _, _, ok := endpoint.TypesOf(other); ok {
			t.Fatal("TypesOf knew the types of an endpoint Typed did not return")
		}
	}
}
