package bookstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/examples/internal/runner"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/tracing"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	kitthrift "github.com/kitbench/kitbench/kit/transport/thrift"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Config describes one instance of the Book service. The zero value is a
// working instance on free loopback ports with default limits, no
// authentication, no sampling of new traces and no registration.
type Config struct {
	// HTTPAddr, GRPCAddr and AdminAddr are listen addresses; empty means
	// 127.0.0.1:0 (a free loopback port). The admin listener serves the
	// introspection protocol and /metrics.
	HTTPAddr, GRPCAddr, AdminAddr string
	// ThriftAddr, when set, also serves the endpoints over Thrift
	// (book.thrift, framed, binary or compact protocol) on that address;
	// "127.0.0.1:0" picks a free port. Empty means no Thrift listener.
	ThriftAddr string
	// InstanceID names the instance in discovery and introspection; empty
	// means "bookstore-" and random hex.
	InstanceID string
	// Version is reported by introspection; empty means "dev".
	Version string
	// Logger receives start-up, shutdown and per-call records; nil
	// discards them.
	Logger *slog.Logger
	// Service is the business logic; nil means a new empty Store.
	Service Service
	// RateLimit and Burst bound the requests the instance accepts (shared
	// by all methods); zero means DefaultRateLimit and DefaultBurst.
	RateLimit rate.Limit
	Burst     int
	// OpenTimeout is how long a method's breaker stays open after five
	// consecutive server errors; zero means DefaultOpenTimeout.
	OpenTimeout time.Duration
	// JWT, when set, requires a bearer token on CreateBook and DeleteBook.
	// Nil leaves every method open.
	JWT *jwt.Config
	// TraceSampling is the fraction of new traces sampled (0 to 1); calls
	// inside a sampled trace are always traced. Zero samples only those.
	TraceSampling float64
	// Middleware, when set, wraps each method's endpoint innermost (inside
	// the breaker), e.g. to inject faults; it receives the method name.
	Middleware func(method string, next endpoint.Endpoint) endpoint.Endpoint
	// HTTPMiddleware, when set, wraps the whole HTTP handler (routing
	// included), outermost: it sees every request the HTTP listener
	// serves, e.g. recorder/capture's middleware. Nil serves the router
	// as it is.
	HTTPMiddleware func(http.Handler) http.Handler
	// GRPCInterceptors are unary interceptors around every gRPC call the
	// instance serves (the health service's included), the first
	// outermost. Nil adds none.
	GRPCInterceptors []grpc.UnaryServerInterceptor
	// Registry, when set, is the address of a Consul agent or kitbench dev
	// registry to register with ("host:port" or a URL). Empty means no
	// registration.
	Registry string
	// RegistryOptional, when set, makes an unreachable Registry a warning:
	// the instance runs unregistered instead of failing to start.
	RegistryOptional bool
}

// Instance is a running Book service: HTTP/JSON and gRPC listeners (and
// optionally Thrift) over the same endpoints, and an admin listener.
type Instance struct {
	InstanceID string
	HTTPAddr   string // host:port
	GRPCAddr   string // host:port
	AdminAddr  string // host:port; the admin base URL is "http://" + AdminAddr
	ThriftAddr string // host:port, or "" when Config.ThriftAddr was empty
	// Introspection is the instance's registry of observable components.
	Introspection *introspect.Registry

	log       *slog.Logger
	http      *http.Server
	grpc      *grpc.Server
	thrift    *kitthrift.SocketServer // nil without a Thrift listener
	health    *kitgrpc.Health
	admin     *introspect.AdminServer
	adminH    *introspect.Handler
	tracer    *tracing.Provider
	registrar interface{ Deregister(context.Context) error }
	run       *runner.Group
	// endStreams ends the open watches (EndStreamsOn), so that a graceful
	// stop does not wait for them.
	endStreams context.CancelFunc
}

// Start listens on every address and serves until Shutdown. A port in use
// is an error naming the address; a registry that cannot be reached is an
// error naming it.
func Start(cfg Config) (_ *Instance, err error) {
	inst := &Instance{InstanceID: cfg.InstanceID, log: cfg.Logger}
	if inst.log == nil {
		inst.log = slog.New(slog.DiscardHandler)
	}
	inst.run = runner.NewGroup(ServiceName, inst.log)
	if inst.InstanceID == "" {
		inst.InstanceID = runner.InstanceID(ServiceName)
	}
	svc := cfg.Service
	if svc == nil {
		svc = NewStore()
	}
	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()
	hln, err := runner.Listen(ServiceName, "HTTP", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { hln.Close() })
	gln, err := runner.Listen(ServiceName, "gRPC", cfg.GRPCAddr)
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { gln.Close() })
	inst.HTTPAddr, inst.GRPCAddr = hln.Addr().String(), gln.Addr().String()
	var tln net.Listener
	if cfg.ThriftAddr != "" {
		if tln, err = runner.Listen(ServiceName, "Thrift", cfg.ThriftAddr); err != nil {
			return nil, err
		}
		closers = append(closers, func() { tln.Close() })
		inst.ThriftAddr = tln.Addr().String()
	}

	version := cfg.Version
	if version == "" {
		version = "dev"
	}
	reg := introspect.NewRegistry(introspect.Info{
		Service: ServiceName, InstanceID: inst.InstanceID, Version: version, StartTime: time.Now().UTC(),
	})
	inst.Introspection = reg
	reg.AddTransport(introspect.Transport{Name: "http", Addr: inst.HTTPAddr})
	reg.AddTransport(introspect.Transport{Name: "grpc", Addr: inst.GRPCAddr})
	if tln != nil {
		reg.AddTransport(introspect.Transport{Name: "thrift", Addr: inst.ThriftAddr})
		reg.AddEndpoints(ThriftEndpointDocs()...)
	}

	prom := prometheus.NewRegistry()
	prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.NewCollector(reg))
	m, err := metrics.New(prom)
	if err != nil {
		return nil, err
	}
	panics, err := PanicPolicy(prom, inst.log)
	if err != nil {
		return nil, err
	}
	ring := tracing.NewRing(0, reg)
	inst.tracer, err = tracing.NewProvider(ServiceName, ring, tracing.WithSampleRatio(cfg.TraceSampling), tracing.FromEnv())
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { _ = inst.tracer.Shutdown(context.Background()) })

	// Streams (gRPC only) get the unary methods' chain, stream-shaped;
	// watches end when the instance shuts down.
	sm, err := metrics.NewStream(prom)
	if err != nil {
		return nil, err
	}
	stopStreams, endStreams := context.WithCancel(context.Background())
	inst.endStreams = endStreams
	closers = append(closers, endStreams)
	streams := MakeStreamEndpoints(svc)
	streams.WatchBooks = EndStreamsOn(stopStreams)(streams.WatchBooks)

	core, streams, err := shared(cfg, reg, MakeEndpoints(svc), streams)
	if err != nil {
		return nil, fmt.Errorf("bookstore: %w", err)
	}
	router := NewHTTPHandler(observed(core, "http", inst.tracer, m, inst.log),
		kithttp.ServerBefore(tracing.HTTPServerBefore(nil), jwt.HTTPToContext),
		kithttp.ServerErrorHandler(LogHTTPErrors(inst.log)),
		kithttp.ServerPanicPolicy(panics))
	reg.AddEndpoints(EndpointDocs(router.Endpoints())...)
	var h http.Handler = router
	if cfg.HTTPMiddleware != nil {
		h = cfg.HTTPMiddleware(h)
	}
	inst.http = kithttp.NewHTTPServer(inst.HTTPAddr, h)
	inst.grpc = NewRecoveringGRPCServer(panics, cfg.GRPCInterceptors...)
	bookpb.RegisterBookServiceServer(inst.grpc, NewGRPCServerWithStreams(observed(core, "grpc", inst.tracer, m, inst.log),
		observedStreams(streams, "grpc", inst.tracer, sm, reg, inst.log),
		kitgrpc.ServerBefore(tracing.GRPCServerBefore(nil), jwt.GRPCToContext),
		kitgrpc.ServerPanicPolicy(panics)))
	inst.health = kitgrpc.RegisterStandardServices(inst.grpc)

	inst.adminH = introspect.NewHandler(reg, introspect.WithMetrics(prom), introspect.WithRED(m))
	if inst.admin, err = introspect.ListenAdmin(cfg.AdminAddr, inst.adminH); err != nil {
		return nil, fmt.Errorf("bookstore: admin listener: %w", err)
	}
	inst.AdminAddr = inst.admin.Addr()
	closers = append(closers, func() { _ = inst.admin.Close() })

	inst.run.Go("http", func() error {
		if err := inst.http.Serve(hln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	inst.run.Go("grpc", func() error { return inst.grpc.Serve(gln) })
	if tln != nil {
		inst.serveThrift(tln, observed(core, "thrift", inst.tracer, m, inst.log), panics)
	}
	closers = append(closers, func() {
		inst.grpc.Stop()
		_ = inst.http.Close()
		if inst.thrift != nil {
			_ = inst.thrift.Close()
		}
		inst.run.Wait()
	})

	if cfg.Registry != "" {
		r, err := register(cfg.Registry, inst, inst.log)
		switch {
		case err == nil:
			inst.registrar = r
		case cfg.RegistryOptional:
			inst.log.Warn("running unregistered", "err", err)
		default:
			return nil, err
		}
	}
	inst.log.Info("bookstore listening", "id", inst.InstanceID, "http", inst.HTTPAddr,
		"grpc", inst.GRPCAddr, "thrift", inst.ThriftAddr, "admin", "http://"+inst.AdminAddr)
	return inst, nil
}

// Done is closed when a listener fails on its own; Err then says why.
func (inst *Instance) Done() <-chan struct{} { return inst.run.Done() }

// Err returns the error that closed Done, or nil.
func (inst *Instance) Err() error { return inst.run.Err() }

// Shutdown stops the instance gracefully: it leaves the registry and turns
// health NOT_SERVING first, then both servers stop accepting, open watches
// end with Unavailable (ErrShuttingDown) and other in-flight calls and
// streams finish, until ctx ends (then remaining connections are closed);
// the admin listener goes last.
func (inst *Instance) Shutdown(ctx context.Context) error {
	var errs []error
	if inst.registrar != nil {
		if err := inst.registrar.Deregister(ctx); err != nil {
			errs = append(errs, fmt.Errorf("deregister: %w", err))
		}
	}
	inst.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	inst.health.Shutdown() // every service NOT_SERVING
	inst.log.Info("bookstore shutting down", "id", inst.InstanceID)
	stopped := make(chan struct{})
	go func() { inst.grpc.GracefulStop(); close(stopped) }()
	inst.endStreams() // watches end with Unavailable; new ones end at once
	var thriftStopped chan error
	if inst.thrift != nil {
		thriftStopped = make(chan error, 1)
		go func() { thriftStopped <- inst.thrift.Shutdown(ctx) }()
	}
	if err := inst.http.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	select {
	case <-stopped:
	case <-ctx.Done():
		inst.grpc.Stop()
		<-stopped
		errs = append(errs, ctx.Err())
	}
	if thriftStopped != nil {
		if err := <-thriftStopped; err != nil {
			errs = append(errs, fmt.Errorf("thrift: %w", err))
		}
	}
	inst.run.Wait()
	if err := inst.tracer.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	_ = inst.adminH.Close()
	if err := inst.admin.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("admin: %w", err))
	}
	return errors.Join(errs...)
}
