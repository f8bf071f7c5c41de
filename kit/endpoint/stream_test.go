package endpoint_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// sliceStream is a Stream over a fixed list of requests that records what
// is sent: the endpoint helpers are pure functions of a Stream, so no
// transport is needed to test them.
type sliceStream struct {
	in  []any
	out []any
}

func (s *sliceStream) Recv() (any, error) {
	if len(s.in) == 0 {
		return nil, io.EOF
	}
	m := s.in[0]
	s.in = s.in[1:]
	return m, nil
}

func (s *sliceStream) Send(m any) error { s.out = append(s.out, m); return nil }

func TestChainStreamOrder(t *testing.T) {
	var order []string
	mw := func(name string) endpoint.StreamMiddleware {
		return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
			return func(ctx context.Context, s endpoint.Stream) error {
				order = append(order, name+">")
				err := next(ctx, s)
				order = append(order, "<"+name)
				return err
			}
		}
	}
	e := endpoint.ChainStream(mw("a"), mw("b"))(func(context.Context, endpoint.Stream) error {
		order = append(order, "e")
		return nil
	})
	if err := e(context.Background(), &sliceStream{}); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(order, " "), "a> b> e <b <a"; got != want {
		t.Fatalf("order = %q, want %q", got, want)
	}
}

func TestServerStream(t *testing.T) {
	e := endpoint.ServerStream(func(_ context.Context, r req, out endpoint.Sender[int]) error {
		for i := range r.N {
			if err := out.Send(i); err != nil {
				return err
			}
		}
		return nil
	})
	s := &sliceStream{in: []any{&req{N: 3}}}
	if err := e(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if len(s.out) != 3 || s.out[2] != 2 {
		t.Fatalf("sent %v, want [0 1 2]", s.out)
	}
	if err := e(context.Background(), &sliceStream{}); !errors.Is(err, endpoint.ErrNoRequest) {
		t.Fatalf("no request: err = %v, want ErrNoRequest", err)
	}
	if err := e(context.Background(), &sliceStream{in: []any{"str"}}); !errors.Is(err, endpoint.ErrRequestType) {
		t.Fatalf("wrong type: err = %v, want ErrRequestType", err)
	}
}

func TestClientStream(t *testing.T) {
	sum := endpoint.ClientStream(func(_ context.Context, s endpoint.TypedStream[req, int]) (int, error) {
		total := 0
		for {
			r, err := s.Recv()
			if errors.Is(err, io.EOF) {
				return total, nil
			}
			if err != nil {
				return 0, err
			}
			total += r.N
		}
	})
	s := &sliceStream{in: []any{req{N: 1}, &req{N: 2}}}
	if err := sum(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if len(s.out) != 1 || s.out[0] != 3 {
		t.Fatalf("sent %v, want [3]", s.out)
	}
	bad := &sliceStream{in: []any{req{N: 1}, 7, (*req)(nil)}}
	err := sum(context.Background(), bad)
	if !errors.Is(err, endpoint.ErrRequestType) || !strings.Contains(err.Error(), "got int") {
		t.Fatalf("err = %v, want ErrRequestType naming int", err)
	}
	if len(bad.out) != 0 {
		t.Fatalf("a failed stream sent %v", bad.out)
	}
}

func TestBidiStream(t *testing.T) {
	echo := endpoint.BidiStream(func(_ context.Context, s endpoint.TypedStream[req, int]) error {
		for {
			r, err := s.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := s.Send(r.N * 10); err != nil {
				return err
			}
		}
	})
	s := &sliceStream{in: []any{req{N: 1}, req{N: 2}}}
	if err := echo(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if len(s.out) != 2 || s.out[1] != 20 {
		t.Fatalf("sent %v, want [10 20]", s.out)
	}
}
