package lb_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// bookService serves GetBook with one kit Server.
type bookService struct {
	bookpb.UnimplementedBookServiceServer
	get *kitgrpc.Server
}

func (s *bookService) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	return kitgrpc.Serve[*bookpb.Book](ctx, s.get, r)
}

// serveGRPC serves ep as BookService.GetBook on a loopback listener until
// the test ends, and returns the address.
func serveGRPC(t *testing.T, ep endpoint.Endpoint) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	bookpb.RegisterBookServiceServer(srv, &bookService{get: kitgrpc.NewServer(ep, nil, nil)})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// Five callers with a 10 ms deadline against an upstream that takes 30 ms,
// through a gateway built the way a kit gateway is (gRPC server → breaker →
// Retry over an Outlier → gRPC client → upstream over loopback): the
// callers get DeadlineExceeded, and neither the shared breaker nor outlier
// ejection blames the upstream, which then serves a patient caller.
func TestCallerDeadlinesNeitherTripNorEject(t *testing.T) {
	upstream := serveGRPC(t, func(context.Context, any) (any, error) {
		time.Sleep(30 * time.Millisecond) // slow, and deaf to deadlines
		return &bookpb.Book{Id: "b1", Title: "Dune"}, nil
	})
	upcc := dial(t, upstream)
	insts, err := sd.StaticInstances("books", upstream)
	if err != nil {
		t.Fatal(err)
	}
	fleet := sd.NewEndpointer(sd.FixedInstancer(insts), func(sd.Instance) (endpoint.Endpoint, io.Closer, error) {
		return kitgrpc.NewClient(upcc, "bookstore.v1.BookService", "GetBook", nil, nil, (*bookpb.Book)(nil)).Endpoint(), nil, nil
	})
	t.Cleanup(func() { _ = fleet.Close() })
	if err := fleet.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	outlier := lb.NewOutlier(fleet, nil, lb.OutlierConfig{Consecutive: 5})
	breaker, err := circuitbreaker.New("GetBook") // 5 consecutive failures open it
	if err != nil {
		t.Fatal(err)
	}
	gateway := serveGRPC(t, breaker.Middleware(lb.Retry(1, 0, outlier)))
	client := bookpb.NewBookServiceClient(dial(t, gateway))

	for i := range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		_, err := client.GetBook(ctx, &bookpb.GetBookRequest{Id: "b1"})
		cancel()
		if status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("impatient caller %d: %v, want DeadlineExceeded", i, err)
		}
	}
	if info := breaker.BreakerInfo(); info.State != introspect.StateClosed || info.Counts.Failures != 0 {
		t.Fatalf("breaker after 5 callers' own deadlines: %s with %+v, want closed without failures", info.State, info.Counts)
	}
	entries, _ := fleet.Entries()
	if st := entries[0].Stats(); st.Failures != 0 {
		t.Fatalf("upstream stats after 5 callers' own deadlines: %+v, want no failures", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if b, err := client.GetBook(ctx, &bookpb.GetBookRequest{Id: "b1"}); err != nil || b.GetTitle() != "Dune" {
		t.Fatalf("patient caller: %v, %v", b, err)
	}
	if ej := outlier.Ejected(); len(ej) != 0 {
		t.Fatalf("ejected %+v, want none", ej)
	}
}

// A per-attempt timeout is Retry's own, not the caller's: when it expires
// against a slow instance, the instance is blamed, and five such attempts
// eject it.
func TestPerAttemptTimeoutEjects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBackends()
		e := fleet(t, 2, b.factory)
		slow := addrs(2)[0]
		b.set(slow, func(ctx context.Context, _ any) (any, error) {
			select {
			case <-time.After(30 * time.Millisecond):
				return "late", nil
			case <-ctx.Done():
				return nil, status.Error(codes.DeadlineExceeded, "context deadline exceeded")
			}
		})
		outlier := lb.NewOutlier(e, nil, lb.OutlierConfig{Consecutive: 5})
		call := lb.Retry(1, 10*time.Millisecond, outlier)
		for range 10 { // round robin: five attempts land on the slow instance
			_, _ = call(context.Background(), nil)
		}
		if b.count(slow) != 5 {
			t.Fatalf("slow instance called %d times, want 5", b.count(slow))
		}
		_, _ = call(context.Background(), nil)
		if ej := outlier.Ejected(); len(ej) != 1 || ej[0].Address != slow {
			t.Fatalf("ejected %+v, want the slow instance %s", ej, slow)
		}
	})
}
