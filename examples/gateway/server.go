package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/kitbench/kitbench/examples/internal/runner"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/tracing"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// Instance is a running gateway: the Book API over HTTP/JSON and gRPC, an
// admin listener, and the upstream it calls.
type Instance struct {
	InstanceID string
	HTTPAddr   string // host:port
	GRPCAddr   string // host:port
	AdminAddr  string // host:port; the admin base URL is "http://" + AdminAddr
	// Introspection is the gateway's registry of observable components:
	// its limiter, one breaker per method, ejected instances, its spans.
	Introspection *introspect.Registry

	cfg       Config
	upstream  *upstream
	ejections *ejections
	http      *http.Server
	grpc      *grpc.Server
	health    *kitgrpc.Health
	admin     *introspect.AdminServer
	adminH    *introspect.Handler
	tracer    *tracing.Provider
	registrar interface{ Deregister(context.Context) error }
	run       *runner.Group
	// endStreams ends the proxied watches, so that a graceful stop does
	// not wait for them.
	endStreams context.CancelFunc
	stopOnce   sync.Once
	stopErr    error
}

// Start builds the gateway, listens on every address and serves until
// Shutdown. It waits up to 5 s for the first instance set; until one comes,
// calls fail with 503. A port in use, bad Targets or a registry that cannot
// be reached is an error that names it.
func Start(cfg Config) (_ *Instance, err error) {
	if cfg, err = cfg.withDefaults(); err != nil {
		return nil, err
	}
	g := &Instance{InstanceID: cfg.InstanceID, cfg: cfg, run: runner.NewGroup(ServiceName, cfg.Logger)}
	if g.InstanceID == "" {
		g.InstanceID = runner.InstanceID(ServiceName)
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
	g.HTTPAddr, g.GRPCAddr = hln.Addr().String(), gln.Addr().String()

	reg := introspect.NewRegistry(introspect.Info{
		Service: ServiceName, InstanceID: g.InstanceID, Version: cfg.Version, StartTime: time.Now().UTC(),
	})
	g.Introspection = reg
	reg.AddTransport(introspect.Transport{Name: "http", Addr: g.HTTPAddr})
	reg.AddTransport(introspect.Transport{Name: "grpc", Addr: g.GRPCAddr})

	g.ejections = newEjections(cfg.Service, cfg.Outlier, reg, cfg.Logger)
	closers = append(closers, g.ejections.close)
	prom := prometheus.NewRegistry()
	prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.NewCollector(reg), newEjectionCollector(g.ejections))
	m, err := metrics.New(prom)
	if err != nil {
		return nil, err
	}
	panics, err := bookstore.PanicPolicy(prom, cfg.Logger)
	if err != nil {
		return nil, err
	}
	ring := tracing.NewRing(0, reg)
	if g.tracer, err = tracing.NewProvider(ServiceName, ring, tracing.WithSampleRatio(cfg.TraceSampling), tracing.FromEnv()); err != nil {
		return nil, err
	}
	closers = append(closers, func() { _ = g.tracer.Shutdown(context.Background()) })

	if g.upstream, err = newUpstream(cfg, g.tracer, g.ejections); err != nil {
		return nil, err
	}
	closers = append(closers, func() { _ = g.upstream.close() })
	g.ejections.outlier.Store(g.upstream.outlier)

	// Streams (gRPC only), proxied to one instance each, through the
	// calls' chain made for streams; watches end when the gateway stops.
	sm, err := metrics.NewStream(prom)
	if err != nil {
		return nil, err
	}
	stopStreams, endStreams := context.WithCancel(context.Background())
	g.endStreams = endStreams
	closers = append(closers, endStreams)
	streams := g.upstream.makeStreamEndpoints()
	streams.WatchBooks = bookstore.EndStreamsOn(stopStreams)(streams.WatchBooks)

	core, streams, err := guarded(cfg, reg, g.upstream.makeEndpoints(), streams)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	router := bookstore.NewHTTPHandler(observed(core, "http", g.tracer, m, cfg.Logger),
		kithttp.ServerBefore(tracing.HTTPServerBefore(nil)),
		kithttp.ServerErrorHandler(bookstore.LogHTTPErrors(cfg.Logger)),
		kithttp.ServerPanicPolicy(panics))
	reg.AddEndpoints(bookstore.EndpointDocs(router.Endpoints())...)
	g.http = kithttp.NewHTTPServer(g.HTTPAddr, router)
	g.grpc = bookstore.NewRecoveringGRPCServer(panics)
	bookpb.RegisterBookServiceServer(g.grpc, bookstore.NewGRPCServerWithStreams(observed(core, "grpc", g.tracer, m, cfg.Logger),
		observedStreams(streams, "grpc", g.tracer, sm, reg, cfg.Logger),
		kitgrpc.ServerBefore(tracing.GRPCServerBefore(nil)), kitgrpc.ServerPanicPolicy(panics)))
	g.health = kitgrpc.RegisterStandardServices(g.grpc)

	g.adminH = introspect.NewHandler(reg, introspect.WithMetrics(prom), introspect.WithRED(m))
	if g.admin, err = introspect.ListenAdmin(cfg.AdminAddr, g.adminH); err != nil {
		return nil, fmt.Errorf("gateway: admin listener: %w", err)
	}
	g.AdminAddr = g.admin.Addr()
	closers = append(closers, func() { _ = g.adminH.Close(); _ = g.admin.Close() })

	g.run.Go("http", func() error {
		if err := g.http.Serve(hln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.run.Go("grpc", func() error { return g.grpc.Serve(gln) })
	closers = append(closers, func() { g.grpc.Stop(); _ = g.http.Close(); g.run.Wait() })

	if cfg.Registry != "" {
		if g.registrar, err = register(cfg.Registry, g); err != nil {
			return nil, err
		}
	}
	cfg.Logger.Info("gateway listening", "id", g.InstanceID, "http", g.HTTPAddr, "grpc", g.GRPCAddr,
		"admin", "http://"+g.AdminAddr, "upstream", cfg.Service, "via", cfg.Upstream)
	return g, nil
}

// Done is closed when a listener fails on its own; Err then says why.
func (g *Instance) Done() <-chan struct{} { return g.run.Done() }

// Err returns the error that closed Done, or nil.
func (g *Instance) Err() error { return g.run.Err() }

// Upstreams returns the Book instances the gateway balances over now, in
// discovery order.
func (g *Instance) Upstreams() []sd.Instance { return g.upstream.instances() }

// Ejected returns the Book instances ejected now, soonest to return first.
func (g *Instance) Ejected() []lb.Ejection { return g.upstream.outlier.Ejected() }

// Shutdown stops the gateway gracefully: it leaves the registry and turns
// health NOT_SERVING, ends proxied watches with Unavailable, lets in-flight
// calls and other streams finish until ctx ends (then
// closes the remaining connections), stops discovery and closes the
// connections to the instances; the admin listener goes last. Calling it
// again returns the first call's result.
func (g *Instance) Shutdown(ctx context.Context) error {
	g.stopOnce.Do(func() { g.stopErr = g.shutdown(ctx) })
	return g.stopErr
}

func (g *Instance) shutdown(ctx context.Context) error {
	var errs []error
	if g.registrar != nil {
		if err := g.registrar.Deregister(ctx); err != nil {
			errs = append(errs, fmt.Errorf("deregister: %w", err))
		}
	}
	g.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	g.health.Shutdown()
	g.cfg.Logger.Info("gateway shutting down", "id", g.InstanceID)
	stopped := make(chan struct{})
	go func() { g.grpc.GracefulStop(); close(stopped) }()
	g.endStreams() // proxied watches end with Unavailable
	if err := g.http.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	select {
	case <-stopped:
	case <-ctx.Done():
		g.grpc.Stop()
		<-stopped
		errs = append(errs, ctx.Err())
	}
	g.run.Wait()
	if err := g.upstream.close(); err != nil {
		errs = append(errs, fmt.Errorf("upstream: %w", err))
	}
	g.ejections.close()
	if err := g.tracer.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	_ = g.adminH.Close()
	if err := g.admin.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("admin: %w", err))
	}
	return errors.Join(errs...)
}
