package invoke_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/probes/invoke"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// stallingReflection serves server reflection (v1), except while stall is
// set: then a stream reads its first request and never answers, as a hung
// server does, until the client ends the stream.
type stallingReflection struct {
	real  rpb.ServerReflectionServer
	stall atomic.Bool
	read  chan struct{} // gets a value when a stalled stream has read its request
}

func (s *stallingReflection) ServerReflectionInfo(stream rpb.ServerReflection_ServerReflectionInfoServer) error {
	if !s.stall.Load() {
		return s.real.ServerReflectionInfo(stream)
	}
	if _, err := stream.Recv(); err != nil {
		return err
	}
	select {
	case s.read <- struct{}{}:
	default:
	}
	<-stream.Context().Done()
	return stream.Context().Err()
}

// startStalling runs a real gRPC server on loopback with the health
// service and a stallingReflection, stalled to begin with.
func startStalling(t *testing.T) (string, *stallingReflection) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	refl := &stallingReflection{real: reflection.NewServerV1(reflection.ServerOptions{Services: srv}), read: make(chan struct{}, 1)}
	refl.stall.Store(true)
	rpb.RegisterServerReflectionServer(srv, refl)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return ln.Addr().String(), refl
}

// within runs f on its own goroutine and fails the test if it has not
// returned after a bound far beyond the deadline it is given (so a busy
// machine cannot fail it), rather than hang the test binary.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("%s hung: it did not return long after its deadline", what)
		return nil
	}
}

// TestReflectionBoundedByContext: a server that accepts the reflection
// stream and never answers holds Resolve, Methods, MethodDescriptor,
// Describe and Invoke only until the caller's context (or the request's
// Timeout) ends; the same client then works once the server answers.
// Each operation gets a client of its own, since a client caches what
// reflection told it.
func TestReflectionBoundedByContext(t *testing.T) {
	testutil.NoLeaks(t)
	addr, refl := startStalling(t)
	var g *invoke.GRPCClient
	const check = "grpc.health.v1.Health/Check"
	ops := []struct {
		name string
		call func(ctx context.Context, timeout time.Duration) error
	}{
		{"Resolve", func(ctx context.Context, _ time.Duration) error { _, err := g.Resolve(ctx, check); return err }},
		{"Methods", func(ctx context.Context, _ time.Duration) error { _, err := g.Methods(ctx); return err }},
		{"MethodDescriptor", func(ctx context.Context, _ time.Duration) error {
			_, err := g.MethodDescriptor(ctx, "/grpc.health.v1.Health/Watch")
			return err
		}},
		{"Describe", func(ctx context.Context, _ time.Duration) error {
			_, err := g.Describe(ctx, "Health.Check")
			return err
		}},
		// Invoke's own Timeout bounds the lookup, with no deadline on ctx.
		{"Invoke", func(ctx context.Context, timeout time.Duration) error {
			res, err := g.Invoke(ctx, invoke.Request{Method: "grpc.health.v1.Health.Check", Timeout: timeout})
			if err == nil && !res.OK() {
				err = errors.New(res.Status)
			}
			return err
		}},
	}
	for _, op := range ops {
		var err error
		if g, err = invoke.DialGRPC(t.Context(), addr, invoke.GRPCOptions{}); err != nil {
			t.Fatal(err)
		}
		refl.stall.Store(true)
		err = within(t, op.name, func() error {
			if op.name == "Invoke" {
				return op.call(t.Context(), 300*time.Millisecond)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			return op.call(ctx, 0)
		})
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "server reflection did not answer") {
			t.Errorf("%s on a stalled server: %v, want a deadline error naming reflection", op.name, err)
		}
		refl.stall.Store(false)
		if err := within(t, op.name, func() error { return op.call(t.Context(), 0) }); err != nil {
			t.Errorf("%s once the server answers: %v", op.name, err)
		}
		g.Close()
	}
}

// TestReflectionCloseEndsLookup: Close returns, and ends a lookup that a
// stalled server holds with no deadline of its own.
func TestReflectionCloseEndsLookup(t *testing.T) {
	testutil.NoLeaks(t)
	addr, refl := startStalling(t)
	g, err := invoke.DialGRPC(t.Context(), addr, invoke.GRPCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := g.Methods(context.Background()); errc <- err }()
	select {
	case <-refl.read:
	case <-time.After(20 * time.Second):
		t.Fatal("the reflection request never reached the server")
	}
	if err := within(t, "Close", g.Close); err != nil {
		t.Fatal(err)
	}
	if err := within(t, "Methods after Close", func() error { return <-errc }); err == nil {
		t.Fatal("Methods on a closed client succeeded")
	}
}
