package bookstore

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/tracing"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder/capture"
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
	// Controls, when set, enables the admin listener's controls with this
	// policy (kitbench fault, breaker, limit, drain): every method and
	// stream is wrapped innermost in a kit/fault injector, and a
	// registered instance can be drained. Nil leaves them disabled. Start
	// refuses them on an AdminAddr that is not loopback unless the policy
	// sets AllowNonLoopback (kit/instance).
	Controls *introspect.ControlPolicy
	// HTTPMiddleware, when set, wraps the whole HTTP handler (routing
	// included), outermost: it sees every request the HTTP listener
	// serves, e.g. recorder/capture's middleware. Nil serves the router
	// as it is.
	HTTPMiddleware func(http.Handler) http.Handler
	// GRPCInterceptors are unary interceptors around every gRPC call the
	// instance serves (the health service's included), the first
	// outermost. Nil adds none.
	GRPCInterceptors []grpc.UnaryServerInterceptor
	// NoExchangeRing, when set, keeps no exchange ring. Unset, the
	// instance keeps its last exchanges in memory (recorder/capture's
	// Ring, default sizes), read through GET /debug/kit/v1/exchanges.
	NoExchangeRing bool
	// Registry, when set, is the address of a Consul agent or kitbench dev
	// registry to register with ("host:port" or a URL). Empty means no
	// registration.
	Registry string
	// RegistryOptional, when set, makes an unreachable Registry a warning:
	// the instance runs unregistered instead of failing to start.
	RegistryOptional bool
}

// Instance is a running Book service: HTTP/JSON and gRPC listeners (and
// optionally Thrift) over the same endpoints, and an admin listener, run
// by a kit/instance.Instance.
type Instance struct {
	InstanceID string
	HTTPAddr   string // host:port
	GRPCAddr   string // host:port
	AdminAddr  string // host:port; the admin base URL is "http://" + AdminAddr
	ThriftAddr string // host:port, or "" when Config.ThriftAddr was empty
	// Introspection is the instance's registry of observable components.
	Introspection *introspect.Registry
	// Exchanges is the instance's exchange ring; nil with
	// Config.NoExchangeRing.
	Exchanges *capture.Ring

	ki      *instance.Instance
	handler http.Handler // what the HTTP listener serves
}

// Start listens on every address and serves until Shutdown. A port in use
// is an error naming the address; a registry that cannot be reached is an
// error naming it.
func Start(cfg Config) (_ *Instance, err error) {
	sampling := cfg.TraceSampling
	if sampling == 0 {
		sampling = -1 // only the traces callers sampled
	}
	ki, err := instance.New(instance.Config{Service: ServiceName, ID: cfg.InstanceID, Version: cfg.Version,
		AdminAddr: cfg.AdminAddr, Registry: cfg.Registry, RegistryOptional: cfg.RegistryOptional,
		Logger: cfg.Logger, TraceSampling: sampling, Controls: cfg.Controls})
	if err != nil {
		return nil, fmt.Errorf("bookstore: %w", err)
	}
	defer func() {
		if err != nil {
			_ = ki.Shutdown(context.Background())
		}
	}()
	inst := &Instance{InstanceID: ki.ID(), AdminAddr: ki.AdminAddr(), Introspection: ki.Introspection(), ki: ki}
	log, reg, tracer, m, panics := ki.Logger(), ki.Introspection(), ki.Tracer(), ki.Metrics(), ki.PanicPolicy()
	svc := cfg.Service
	if svc == nil {
		svc = NewStore()
	}

	// Streams (gRPC only) get the unary methods' chain, stream-shaped;
	// watches end when the instance shuts down.
	sm, err := metrics.NewStream(ki.Prometheus())
	if err != nil {
		return nil, err
	}
	stopStreams, endStreams := context.WithCancel(context.Background())
	streams := MakeStreamEndpoints(svc)
	streams.WatchBooks = EndStreamsOn(stopStreams)(streams.WatchBooks)

	faults := ki.Faults() // innermost: the breakers see injected failures
	core, streams, err := shared(cfg, reg, MakeEndpoints(svc), streams.Wrap(func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return faults.StreamMiddleware(method)(next)
	}), faults)
	if err != nil {
		endStreams()
		return nil, fmt.Errorf("bookstore: %w", err)
	}
	router := NewHTTPHandler(observed(core, "http", tracer, m, log),
		kithttp.ServerBefore(tracing.HTTPServerBefore(nil), jwt.HTTPToContext),
		kithttp.ServerErrorHandler(LogHTTPErrors(log)),
		kithttp.ServerPanicPolicy(panics))
	h, interceptors, streamInterceptors, err := inst.keepExchanges(cfg, router, reg)
	if err != nil {
		endStreams()
		return nil, fmt.Errorf("bookstore: %w", err)
	}
	cfg.GRPCInterceptors = interceptors
	inst.handler = h
	if cfg.HTTPMiddleware != nil {
		inst.handler = cfg.HTTPMiddleware(inst.handler)
	}
	g := NewRecoveringGRPCServer(panics, cfg.GRPCInterceptors, streamInterceptors...)
	bookpb.RegisterBookServiceServer(g, NewGRPCServerWithStreams(observed(core, "grpc", tracer, m, log),
		observedStreams(streams, "grpc", tracer, sm, reg, log),
		kitgrpc.ServerBefore(tracing.GRPCServerBefore(nil), jwt.GRPCToContext),
		kitgrpc.ServerPanicPolicy(panics)))
	health := kitgrpc.RegisterStandardServices(g)

	// Once deregistered: health NOT_SERVING, and open watches end with
	// Unavailable (new ones at once), so the graceful stop need not wait.
	ki.BeforeStop(func() {
		health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		health.Shutdown()
	})
	ki.BeforeStop(endStreams)
	// EndpointDocs describes both transports, with request examples.
	if inst.HTTPAddr, err = ki.ServeHTTP(cfg.HTTPAddr, inst.handler, instance.Endpoints(EndpointDocs(router.Endpoints())...)); err != nil {
		return nil, err
	}
	if inst.GRPCAddr, err = ki.ServeGRPC(cfg.GRPCAddr, g, instance.Endpoints()); err != nil {
		return nil, err
	}
	if cfg.ThriftAddr != "" {
		if inst.ThriftAddr, err = serveThrift(ki, cfg.ThriftAddr, observed(core, "thrift", tracer, m, log), inst.thriftObserver()); err != nil {
			return nil, err
		}
	}
	if err := ki.Start(context.Background()); err != nil {
		return nil, err
	}
	log.Info("bookstore listening", "id", inst.InstanceID, "http", inst.HTTPAddr,
		"grpc", inst.GRPCAddr, "thrift", inst.ThriftAddr, "admin", "http://"+inst.AdminAddr)
	return inst, nil
}

// Done is closed when a listener fails on its own; Err then says why.
func (inst *Instance) Done() <-chan struct{} { return inst.ki.Done() }

// Err returns the error that closed Done, or nil.
func (inst *Instance) Err() error { return inst.ki.Err() }

// Shutdown stops the instance gracefully (kit/instance's order): it leaves
// the registry, turns health NOT_SERVING and ends open watches with
// Unavailable (ErrShuttingDown), then the servers stop accepting and
// in-flight calls and streams finish until ctx ends (then the remaining
// connections are closed); the admin listener goes last.
func (inst *Instance) Shutdown(ctx context.Context) error {
	inst.ki.Logger().Info("bookstore shutting down", "id", inst.InstanceID)
	return inst.ki.Shutdown(ctx)
}
