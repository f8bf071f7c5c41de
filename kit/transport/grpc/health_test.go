package grpc_test

import (
	"context"
	"net"
	"testing"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// drainBound is how long the tests below let a shutdown take before they
// call it hung. A working shutdown takes milliseconds; the bound only
// keeps a broken one from hanging the test.
const drainBound = 10 * time.Second

// standardServer serves the book service and the standard services on a
// loopback listener; the test owns stopping it (Stop runs at cleanup).
func standardServer(t *testing.T) (*grpc.Server, interface{ Shutdown() }, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	bookpb.RegisterBookServiceServer(srv, newBookService(newShelf()))
	hs := kitgrpc.RegisterStandardServices(srv)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, hs, ln.Addr().String()
}

// gracefulStop runs srv.GracefulStop and fails the test if it has not
// returned by ctx's end.
func gracefulStop(ctx context.Context, t *testing.T, srv *grpc.Server) {
	t.Helper()
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-ctx.Done():
		srv.Stop()
		<-stopped
		t.Fatalf("GracefulStop still waiting after %v with a health watcher open", drainBound)
	}
}

func TestShutdownEndsHealthWatch(t *testing.T) {
	testutil.NoLeaks(t)
	srv, hs, addr := standardServer(t)
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(t.Context(), drainBound)
	defer cancel()
	watch, err := healthpb.NewHealthClient(cc).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	recv := func() healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		resp, err := watch.Recv()
		if err != nil {
			t.Fatalf("Watch: %v", err)
		}
		return resp.GetStatus()
	}
	if got := recv(); got != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Watch sent %v first, want SERVING", got)
	}

	hs.Shutdown()
	if got := recv(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Watch sent %v after Shutdown, want NOT_SERVING", got)
	}
	_, err = watch.Recv()
	if ctx.Err() != nil {
		t.Fatalf("Watch still open %v after Shutdown (Recv: %v)", drainBound, err)
	}
	if code := status.Code(err); code != codes.Unavailable {
		t.Errorf("Watch ended with %v, want Unavailable", err)
	}
	gracefulStop(ctx, t, srv)
}
