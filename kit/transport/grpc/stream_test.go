package grpc_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/kitbench/kitbench/kit/transport/internal/panictest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// startStreams serves s over loopback until the test ends.
func startStreams(t *testing.T, s *streamtest.Servers) *grpc.ClientConn {
	t.Helper()
	in, err := streamtest.Start(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in.Stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return in.Conn
}

func TestStreamKinds(t *testing.T) {
	testutil.NoLeaks(t)
	cc := startStreams(t, streamtest.NewServers(nil))
	ctx := context.Background()
	got, err := streamtest.Count(ctx, cc, 3)
	if err != nil || !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Fatalf("Count: %v, %v", got, err)
	}
	sum, err := streamtest.Sum(ctx, cc, []int64{1, 2, 3})
	if err != nil || sum != 6 {
		t.Fatalf("Sum: %v, %v", sum, err)
	}
	echo, err := streamtest.Echo(ctx, cc, []string{"a", "b"})
	if err != nil || !slices.Equal(echo, []string{"A", "B"}) {
		t.Fatalf("Echo: %v, %v", echo, err)
	}
}

// withCount returns the default servers with Count replaced by e, served
// with opts.
func withCount(e endpoint.StreamEndpoint, opts ...kitgrpc.ServerOption) *streamtest.Servers {
	s := streamtest.NewServers(nil, opts...)
	s.Count = kitgrpc.NewStreamServer(e, nil, nil, opts...)
	return s
}

func TestStreamHooks(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	var final error
	finalized := make(chan struct{}, 1)
	s := withCount(streamtest.CountEndpoint,
		kitgrpc.ServerBefore(func(ctx context.Context, md metadata.MD) context.Context {
			mu.Lock()
			seen = append(seen, md.Get("x-who")...)
			mu.Unlock()
			return ctx
		}),
		kitgrpc.ServerAfter(func(ctx context.Context, h, tr *metadata.MD) context.Context {
			h.Set("x-after-header", "h")
			tr.Set("x-after-trailer", "t")
			return ctx
		}),
		kitgrpc.ServerFinalizer(func(_ context.Context, err error) {
			mu.Lock()
			final = err
			mu.Unlock()
			finalized <- struct{}{}
		}))
	cc := startStreams(t, s)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-who", "tester")
	for _, n := range []int64{2, 0} {
		var header, trailer metadata.MD
		got, err := streamtest.Count(ctx, cc, n, grpc.Header(&header), grpc.Trailer(&trailer))
		if err != nil || len(got) != int(n) {
			t.Fatalf("n=%d: %v, %v", n, got, err)
		}
		<-finalized
		if n > 0 {
			// The header went out with the first message: the hooks' header
			// entries arrive in the trailer.
			if trailer.Get("x-after-header")[0] != "h" || trailer.Get("x-after-trailer")[0] != "t" {
				t.Errorf("n=%d: trailer %v lacks the after hooks' entries", n, trailer)
			}
		} else if header.Get("x-after-header")[0] != "h" || trailer.Get("x-after-trailer")[0] != "t" {
			t.Errorf("n=0: header %v, trailer %v", header, trailer)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{"tester", "tester"}) || final != nil {
		t.Fatalf("before hooks saw %v; finalizer saw %v", seen, final)
	}
}

func TestStreamServerErrorReachesClient(t *testing.T) {
	testutil.NoLeaks(t)
	e := func(ctx context.Context, s endpoint.Stream) error {
		if err := s.Send(wrapperspb.String("first")); err != nil {
			return err
		}
		if err := grpc.SetTrailer(ctx, metadata.Pairs("x-why", "gone")); err != nil {
			return err
		}
		if _, err := s.Recv(); err != nil { // the request
			return err
		}
		return transport.NewError(404, "no such shelf")
	}
	cc := startStreams(t, withCount(e))
	var trailer metadata.MD
	got, err := streamtest.Count(context.Background(), cc, 1, grpc.Trailer(&trailer))
	if !slices.Equal(got, []string{"first"}) {
		t.Fatalf("got %v before the error", got)
	}
	if st := status.Convert(err); st.Code() != codes.NotFound || st.Message() != "no such shelf" {
		t.Fatalf("status %v, want NotFound: no such shelf", st)
	}
	if v := trailer.Get("x-why"); len(v) != 1 || v[0] != "gone" {
		t.Fatalf("trailer %v, want x-why: gone", trailer)
	}
	// A server error sends a generic text, never the error's own.
	cc = startStreams(t, withCount(func(context.Context, endpoint.Stream) error {
		return errors.New("db password=hunter2 refused")
	}))
	_, err = streamtest.Count(context.Background(), cc, 1)
	if st := status.Convert(err); st.Code() != codes.Internal || strings.Contains(st.Message(), "hunter2") {
		t.Fatalf("status %v, want Internal with a generic message", st)
	}
}

func TestStreamClientCancelEndsHandler(t *testing.T) {
	testutil.NoLeaks(t)
	started, ended := make(chan struct{}), make(chan error, 1)
	e := func(ctx context.Context, s endpoint.Stream) error {
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	}
	cc := startStreams(t, withCount(e))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := streamtest.Count(ctx, cc, 1); errc <- err }()
	<-started
	cancel()
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler's context ended with %v, want Canceled", err)
	}
	if err := <-errc; status.Code(err) != codes.Canceled {
		t.Fatalf("client: %v, want Canceled", err)
	}
}

func TestStreamDeadlinePropagates(t *testing.T) {
	testutil.NoLeaks(t)
	deadlines := make(chan bool, 1)
	e := func(ctx context.Context, s endpoint.Stream) error {
		_, ok := ctx.Deadline()
		deadlines <- ok
		<-ctx.Done()
		return ctx.Err()
	}
	cc := startStreams(t, withCount(e))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := streamtest.Count(ctx, cc, 1)
	if !<-deadlines {
		t.Fatal("the server's context had no deadline")
	}
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("client: %v, want DeadlineExceeded", err)
	}
}

func TestStreamPanicRecovered(t *testing.T) {
	rec, err := panictest.New(false)
	if err != nil {
		t.Fatal(err)
	}
	var final error
	done := make(chan struct{})
	cc := startStreams(t, withCount(func(context.Context, endpoint.Stream) error { panic(panictest.Secret) },
		kitgrpc.ServerPanicPolicy(rec.Policy),
		kitgrpc.ServerFinalizer(func(_ context.Context, err error) { final = err; close(done) })))
	_, err = streamtest.Count(context.Background(), cc, 1)
	st := status.Convert(err)
	if st.Code() != codes.Internal || strings.Contains(st.Message(), "hunter2") {
		t.Fatalf("status %v, want Internal without the panic value", st)
	}
	<-done
	if !errors.Is(final, transport.ErrPanic) {
		t.Fatalf("finalizer saw %v, want ErrPanic", final)
	}
	if strings.Contains(rec.Log(), "hunter2") {
		t.Fatal("the panic value was logged")
	}
}

func TestStreamWrongResponseType(t *testing.T) {
	cc := startStreams(t, withCount(func(_ context.Context, s endpoint.Stream) error {
		return s.Send("not a proto")
	}))
	if _, err := streamtest.Count(context.Background(), cc, 1); status.Code(err) != codes.Internal {
		t.Fatalf("err = %v, want Internal", err)
	}
}

func TestClientStreamOneResponse(t *testing.T) {
	second := make(chan error, 1)
	s := streamtest.NewServers(nil)
	s.Sum = kitgrpc.NewStreamServer(func(_ context.Context, s endpoint.Stream) error {
		if err := s.Send(wrapperspb.Int64(1)); err != nil {
			return err
		}
		err := s.Send(wrapperspb.Int64(2))
		second <- err
		return nil
	}, nil, nil)
	cc := startStreams(t, s)
	if sum, err := streamtest.Sum(context.Background(), cc, nil); err != nil || sum != 1 {
		t.Fatalf("Sum: %v, %v", sum, err)
	}
	if err := <-second; !errors.Is(err, kitgrpc.ErrStreamResponse) {
		t.Fatalf("second Send: %v, want ErrStreamResponse", err)
	}
}
