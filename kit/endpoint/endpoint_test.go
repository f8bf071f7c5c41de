package endpoint_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
)

func TestChainOrder(t *testing.T) {
	var order []string
	mw := func(name string) endpoint.Middleware {
		return func(next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				order = append(order, name+">")
				resp, err := next(ctx, req)
				order = append(order, "<"+name)
				return resp, err
			}
		}
	}
	e := endpoint.Chain(mw("a"), mw("b"), mw("c"))(func(context.Context, any) (any, error) {
		order = append(order, "e")
		return nil, nil
	})
	if _, err := e(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(order, " ")
	if want := "a> b> c> e <c <b <a"; got != want {
		t.Fatalf("order = %q, want %q", got, want)
	}
}

func TestChainSingle(t *testing.T) {
	called := false
	mw := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) { called = true; return next(ctx, req) }
	}
	if _, err := endpoint.Chain(mw)(endpoint.Nop)(context.Background(), nil); err != nil || !called {
		t.Fatalf("called=%v err=%v", called, err)
	}
}

type req struct{ N int }

func TestTyped(t *testing.T) {
	double := endpoint.Typed(func(_ context.Context, r req) (int, error) { return r.N * 2, nil })
	ctx := context.Background()

	if got, err := double(ctx, req{N: 2}); err != nil || got != 4 {
		t.Fatalf("value: got %v, %v", got, err)
	}
	if got, err := double(ctx, &req{N: 3}); err != nil || got != 6 {
		t.Fatalf("pointer: got %v, %v", got, err)
	}
	for _, bad := range []any{nil, "str", (*req)(nil), 7} {
		_, err := double(ctx, bad)
		if !errors.Is(err, endpoint.ErrRequestType) {
			t.Fatalf("%T: err = %v, want ErrRequestType", bad, err)
		}
		if !strings.Contains(err.Error(), "endpoint_test.req") {
			t.Fatalf("error %q does not name the wanted type", err)
		}
	}
}

func TestTypedPropagatesError(t *testing.T) {
	boom := errors.New("boom")
	e := endpoint.Typed(func(context.Context, req) (any, error) { return nil, boom })
	if _, err := e(context.Background(), req{}); err != boom {
		t.Fatalf("err = %v, want boom", err)
	}
}

func BenchmarkChain(b *testing.B) {
	pass := func(next endpoint.Endpoint) endpoint.Endpoint {
		return func(ctx context.Context, r any) (any, error) { return next(ctx, r) }
	}
	e := endpoint.Chain(pass, pass, pass, pass)(endpoint.Nop)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = e(ctx, nil)
	}
}
