package grpc_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/kitbench/kitbench/kit/transport/internal/panictest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// panicGet is an endpoint whose handler panics with the secret.
func panicGet(context.Context, any) (any, error) { panic(panictest.Secret) }

// panickyBooks serves GetBook with panicGet and ListBooks normally, both
// through kit Servers with opts.
type panickyBooks struct {
	bookpb.UnimplementedBookServiceServer
	get, list *kitgrpc.Server
}

func newPanickyBooks(opts ...kitgrpc.ServerOption) *panickyBooks {
	return &panickyBooks{
		get: kitgrpc.NewServer(panicGet, nil, nil, opts...),
		list: kitgrpc.NewServer(endpoint.Nop, nil,
			func(context.Context, any) (any, error) { return &bookpb.ListBooksResponse{}, nil }, opts...),
	}
}

func (s *panickyBooks) GetBook(ctx context.Context, r *bookpb.GetBookRequest) (*bookpb.Book, error) {
	return kitgrpc.Serve[*bookpb.Book](ctx, s.get, r)
}

func (s *panickyBooks) ListBooks(ctx context.Context, r *bookpb.ListBooksRequest) (*bookpb.ListBooksResponse, error) {
	return kitgrpc.Serve[*bookpb.ListBooksResponse](ctx, s.list, r)
}

// checkInternal fails the test unless err is Internal without the secret.
func checkInternal(t *testing.T, err error) {
	t.Helper()
	if status.Code(err) != codes.Internal {
		t.Fatalf("panicking call returned %v, want Internal", err)
	}
	if strings.Contains(err.Error(), panictest.Secret) || strings.Contains(err.Error(), "panic") {
		t.Errorf("the caller was told %q", err)
	}
}

func TestServerRecoversPanic(t *testing.T) {
	for _, logValues := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "values logged"}[logValues], func(t *testing.T) {
			testutil.NoLeaks(t)
			rec, err := panictest.New(logValues)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var seen []error
			cc := serve(t, func(g *grpc.Server) {
				bookpb.RegisterBookServiceServer(g, newPanickyBooks(kitgrpc.ServerPanicPolicy(rec.Policy),
					kitgrpc.ServerErrorHandler(func(_ context.Context, err error) {
						mu.Lock()
						seen = append(seen, err)
						mu.Unlock()
					})))
			})
			c := bookpb.NewBookServiceClient(cc)
			_, err = c.GetBook(t.Context(), &bookpb.GetBookRequest{Id: "b1"})
			checkInternal(t, err)
			if _, err := c.ListBooks(t.Context(), &bookpb.ListBooksRequest{}); err != nil {
				t.Fatalf("the call after the panic failed: %v", err)
			}
			if err := rec.Check(1, "grpc_test.panicGet", "/bookstore.v1.BookService/GetBook", "grpc"); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 || !errors.Is(seen[0], transport.ErrPanic) || strings.Contains(seen[0].Error(), panictest.Secret) {
				t.Errorf("the error handler saw %v, want one error wrapping ErrPanic without the value", seen)
			}
		})
	}
}

// TestServerRecoversByDefault needs no option: a Server recovers with the
// default policy (which logs to slog.Default).
func TestServerRecoversByDefault(t *testing.T) {
	testutil.NoLeaks(t)
	cc := serve(t, func(g *grpc.Server) { bookpb.RegisterBookServiceServer(g, newPanickyBooks()) })
	c := bookpb.NewBookServiceClient(cc)
	for range 2 {
		_, err := c.GetBook(t.Context(), &bookpb.GetBookRequest{Id: "b1"})
		checkInternal(t, err)
		if _, err := c.ListBooks(t.Context(), &bookpb.ListBooksRequest{}); err != nil {
			t.Fatalf("the call after the panic failed: %v", err)
		}
	}
}

// rawBooks is a BookService written against grpc-go directly.
type rawBooks struct {
	bookpb.UnimplementedBookServiceServer
}

func (rawBooks) GetBook(context.Context, *bookpb.GetBookRequest) (*bookpb.Book, error) {
	panic(panictest.Secret)
}

func (rawBooks) ListBooks(context.Context, *bookpb.ListBooksRequest) (*bookpb.ListBooksResponse, error) {
	return &bookpb.ListBooksResponse{}, nil
}

// watchPanics is a health service whose Watch stream panics after its
// first message.
type watchPanics struct {
	healthpb.UnimplementedHealthServer
}

func (watchPanics) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func (watchPanics) Watch(_ *healthpb.HealthCheckRequest, s healthpb.Health_WatchServer) error {
	if err := s.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}); err != nil {
		return err
	}
	panic(panictest.Secret)
}

// serveWith is serve with server options.
func serveWith(t *testing.T, opts []grpc.ServerOption, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	register(srv)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cc.Close()
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return cc
}

func TestRecoverInterceptors(t *testing.T) {
	testutil.NoLeaks(t)
	rec, err := panictest.New(false)
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)).Tracer("test")
	// A span around the recovery, as an instrumentation library that
	// wraps the transport (otelgrpc's stats handler) would have.
	traced := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		ctx, span := tracer.Start(ctx, info.FullMethod)
		defer span.End()
		return h(ctx, req)
	}
	cc := serveWith(t, []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(traced, kitgrpc.RecoverUnary(rec.Policy)),
		grpc.ChainStreamInterceptor(kitgrpc.RecoverStream(rec.Policy)),
	}, func(g *grpc.Server) {
		bookpb.RegisterBookServiceServer(g, rawBooks{})
		healthpb.RegisterHealthServer(g, watchPanics{})
	})

	books := bookpb.NewBookServiceClient(cc)
	_, err = books.GetBook(t.Context(), &bookpb.GetBookRequest{})
	checkInternal(t, err)
	if _, err := books.ListBooks(t.Context(), &bookpb.ListBooksRequest{}); err != nil {
		t.Fatalf("the call after the panic failed: %v", err)
	}
	if err := rec.Check(1, "grpc_test.rawBooks.GetBook", "/bookstore.v1.BookService/GetBook", "grpc"); err != nil {
		t.Error(err)
	}
	var marked bool
	for _, s := range spans.Ended() {
		if s.Name() != "/bookstore.v1.BookService/GetBook" {
			continue
		}
		marked = s.Status().Description == "panic" && len(s.Events()) == 1 && s.Events()[0].Name == transport.SpanEventPanic
		for _, e := range s.Events() {
			for _, a := range e.Attributes {
				if strings.Contains(a.Value.String(), panictest.Secret) {
					t.Errorf("span event %s carries the panic value", e.Name)
				}
			}
		}
	}
	if !marked {
		t.Errorf("the GetBook span has no %q event with status \"panic\"", transport.SpanEventPanic)
	}

	watch, err := healthpb.NewHealthClient(cc).Watch(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil {
		t.Fatalf("first message: %v", err)
	}
	_, err = watch.Recv()
	checkInternal(t, err)
	if n, err := rec.Count("/grpc.health.v1.Health/Watch", "grpc"); err != nil || n != 1 {
		t.Errorf("Watch panics counted: %v (%v), want 1", n, err)
	}
	if _, err := healthpb.NewHealthClient(cc).Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("the call after the stream's panic failed: %v", err)
	}
}
