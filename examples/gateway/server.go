package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/tracing"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder/capture"
)

// Instance is a running gateway: the Book API over HTTP/JSON and gRPC, an
// admin listener, and the upstream it calls, run by a
// kit/instance.Instance.
type Instance struct {
	InstanceID string
	HTTPAddr   string // host:port
	GRPCAddr   string // host:port
	AdminAddr  string // host:port; the admin base URL is "http://" + AdminAddr
	// Introspection is the gateway's registry of observable components:
	// its limiter, one breaker per method, ejected instances, its spans.
	Introspection *introspect.Registry
	// Exchanges is the gateway's exchange ring; nil with
	// Config.NoExchangeRing.
	Exchanges *capture.Ring

	ki        *instance.Instance
	upstream  *upstream
	ejections *ejections
	stopOnce  sync.Once
	stopErr   error
}

// Start builds the gateway, listens on every address and serves until
// Shutdown. It waits up to 5 s for the first instance set; until one comes,
// calls fail with 503. A port in use, bad Targets or a registry that cannot
// be reached is an error that names it.
func Start(cfg Config) (_ *Instance, err error) {
	if cfg, err = cfg.withDefaults(); err != nil {
		return nil, err
	}
	sampling := cfg.TraceSampling
	if sampling == 0 {
		sampling = -1 // only the traces callers sampled
	}
	ki, err := instance.New(instance.Config{Service: ServiceName, ID: cfg.InstanceID, Version: cfg.Version,
		AdminAddr: cfg.AdminAddr, Registry: cfg.Registry, Logger: cfg.Logger, TraceSampling: sampling,
		Controls: cfg.Controls})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g := &Instance{InstanceID: ki.ID(), AdminAddr: ki.AdminAddr(), Introspection: ki.Introspection(), ki: ki}
	defer func() {
		if err != nil {
			_ = g.Shutdown(context.Background())
		}
	}()
	reg, tracer, m, panics := ki.Introspection(), ki.Tracer(), ki.Metrics(), ki.PanicPolicy()
	g.ejections = newEjections(cfg.Service, cfg.Outlier, reg, cfg.Logger)
	if err := ki.Prometheus().Register(newEjectionCollector(g.ejections)); err != nil {
		return nil, err
	}
	if g.upstream, err = newUpstream(cfg, tracer, g.ejections); err != nil {
		return nil, err
	}
	g.ejections.outlier.Store(g.upstream.outlier)

	// Streams (gRPC only), proxied to one instance each, through the
	// calls' chain made for streams; watches end when the gateway stops.
	sm, err := metrics.NewStream(ki.Prometheus())
	if err != nil {
		return nil, err
	}
	stopStreams, endStreams := context.WithCancel(context.Background())
	ki.BeforeStop(endStreams)
	streams := g.upstream.makeStreamEndpoints()
	streams.WatchBooks = bookstore.EndStreamsOn(stopStreams)(streams.WatchBooks)

	// Faults go innermost, where the upstream's answer arrives: an injected
	// failure is one the gateway's breakers and metrics see as the
	// upstream's.
	faults := ki.Faults()
	streams = streams.Wrap(func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return faults.StreamMiddleware(method)(next)
	})
	upstream := g.upstream.makeEndpoints().Wrap(func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		return faults.Middleware(method)(next)
	})
	core, streams, err := guarded(cfg, reg, upstream, streams)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	router := bookstore.NewHTTPHandler(observed(core, "http", tracer, m, cfg.Logger),
		kithttp.ServerBefore(tracing.HTTPServerBefore(nil)),
		kithttp.ServerErrorHandler(bookstore.LogHTTPErrors(cfg.Logger)),
		kithttp.ServerPanicPolicy(panics))
	h, interceptors, streamInterceptors, err := g.keepExchanges(cfg, router, reg)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	gs := bookstore.NewRecoveringGRPCServer(panics, interceptors, streamInterceptors...)
	bookpb.RegisterBookServiceServer(gs, bookstore.NewGRPCServerWithStreams(observed(core, "grpc", tracer, m, cfg.Logger),
		observedStreams(streams, "grpc", tracer, sm, reg, cfg.Logger),
		kitgrpc.ServerBefore(tracing.GRPCServerBefore(nil)), kitgrpc.ServerPanicPolicy(panics)))
	health := kitgrpc.RegisterStandardServices(gs)
	ki.BeforeStop(func() {
		health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		health.Shutdown()
	})
	// EndpointDocs describes both transports, with request examples.
	if g.HTTPAddr, err = ki.ServeHTTP(cfg.HTTPAddr, h, instance.Endpoints(bookstore.EndpointDocs(router.Endpoints())...)); err != nil {
		return nil, err
	}
	if g.GRPCAddr, err = ki.ServeGRPC(cfg.GRPCAddr, gs, instance.Endpoints()); err != nil {
		return nil, err
	}
	if err := ki.Start(context.Background()); err != nil {
		return nil, err
	}
	cfg.Logger.Info("gateway listening", "id", g.InstanceID, "http", g.HTTPAddr, "grpc", g.GRPCAddr,
		"admin", "http://"+g.AdminAddr, "upstream", cfg.Service, "via", cfg.Upstream)
	return g, nil
}

// Done is closed when a listener fails on its own; Err then says why.
func (g *Instance) Done() <-chan struct{} { return g.ki.Done() }

// Err returns the error that closed Done, or nil.
func (g *Instance) Err() error { return g.ki.Err() }

// Upstreams returns the Book instances the gateway balances over now, in
// discovery order.
func (g *Instance) Upstreams() []sd.Instance { return g.upstream.instances() }

// Ejected returns the Book instances ejected now, soonest to return first.
func (g *Instance) Ejected() []lb.Ejection { return g.upstream.outlier.Ejected() }

// Shutdown stops the gateway gracefully (kit/instance's order): it leaves
// the registry, turns health NOT_SERVING and ends proxied watches with
// Unavailable, lets in-flight calls and other streams finish until ctx
// ends (then closes the remaining connections), and closes the admin
// listener; then it stops discovery and closes the connections to the
// instances. Calling it again returns the first call's result.
func (g *Instance) Shutdown(ctx context.Context) error {
	g.stopOnce.Do(func() {
		g.ki.Logger().Info("gateway shutting down", "id", g.InstanceID)
		errs := []error{g.ki.Shutdown(ctx)}
		if g.upstream != nil {
			if err := g.upstream.close(); err != nil {
				errs = append(errs, fmt.Errorf("upstream: %w", err))
			}
		}
		if g.ejections != nil {
			g.ejections.close()
		}
		g.stopErr = errors.Join(errs...)
	})
	return g.stopErr
}
