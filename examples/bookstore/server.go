package bookstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
)

// Config says where an instance of the Book service listens. Empty
// addresses mean 127.0.0.1:0 (a free loopback port).
type Config struct {
	HTTPAddr string
	GRPCAddr string
	// Logger receives start-up and shutdown messages; nil discards them.
	Logger *slog.Logger
	// Service is the business logic; nil means a new empty Store.
	Service Service
}

// Instance is a running Book service: HTTP/JSON and gRPC listeners over
// the same endpoints.
type Instance struct {
	HTTPAddr string // host:port
	GRPCAddr string // host:port

	log     *slog.Logger
	http    *http.Server
	grpc    *grpc.Server
	health  *health.Server
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
	done    chan struct{}
}

// Start listens on both addresses and serves until Shutdown. A port that is
// in use is an error naming the address.
func Start(cfg Config) (*Instance, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc := cfg.Service
	if svc == nil {
		svc = NewStore()
	}
	hln, err := listen("HTTP", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	gln, err := listen("gRPC", cfg.GRPCAddr)
	if err != nil {
		hln.Close()
		return nil, err
	}
	e := MakeEndpoints(svc)
	inst := &Instance{
		HTTPAddr: hln.Addr().String(),
		GRPCAddr: gln.Addr().String(),
		log:      log,
		http:     kithttp.NewHTTPServer(hln.Addr().String(), NewHTTPHandler(e)),
		grpc:     grpc.NewServer(),
		done:     make(chan struct{}),
	}
	bookpb.RegisterBookServiceServer(inst.grpc, NewGRPCServer(e))
	inst.health = kitgrpc.RegisterStandardServices(inst.grpc)
	inst.health.SetServingStatus(GRPCService, 1) // SERVING

	inst.serve("http", func() error {
		if err := inst.http.Serve(hln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	inst.serve("grpc", func() error { return inst.grpc.Serve(gln) })
	log.Info("bookstore listening", "http", inst.HTTPAddr, "grpc", inst.GRPCAddr)
	return inst, nil
}

func listen(what, addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bookstore: cannot listen for %s on %s (is another instance running? choose another address): %w", what, addr, err)
	}
	return ln, nil
}

func (inst *Instance) serve(name string, f func() error) {
	inst.wg.Add(1)
	go func() {
		defer inst.wg.Done()
		if err := f(); err != nil {
			inst.log.Error("bookstore: server stopped", "transport", name, "err", err)
			inst.errOnce.Do(func() { inst.err = fmt.Errorf("%s server: %w", name, err); close(inst.done) })
		}
	}()
}

// Done is closed when a listener fails on its own; Err then says why.
func (inst *Instance) Done() <-chan struct{} { return inst.done }

// Err returns the error that closed Done, or nil.
func (inst *Instance) Err() error {
	select {
	case <-inst.done:
		return inst.err
	default:
		return nil
	}
}

// Shutdown stops the instance gracefully: health turns NOT_SERVING first,
// then both servers stop accepting and in-flight requests finish, until ctx
// ends (then remaining connections are closed).
func (inst *Instance) Shutdown(ctx context.Context) error {
	inst.health.Shutdown() // every service NOT_SERVING
	inst.log.Info("bookstore shutting down")
	stopped := make(chan struct{})
	go func() { inst.grpc.GracefulStop(); close(stopped) }()
	err := inst.http.Shutdown(ctx)
	select {
	case <-stopped:
	case <-ctx.Done():
		inst.grpc.Stop()
		<-stopped
		if err == nil {
			err = ctx.Err()
		}
	}
	inst.wg.Wait()
	return err
}
