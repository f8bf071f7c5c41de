package instance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/logging"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/sd/consul"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
)

// ErrConfig is wrapped by New's error for a Config it cannot use.
var ErrConfig = errors.New("instance: bad config")

// DefaultShutdownTimeout bounds a graceful stop when
// Config.ShutdownTimeout is zero.
const DefaultShutdownTimeout = 10 * time.Second

// Config describes one instance. Only Service is required.
type Config struct {
	// Service is the service's name in the registry, the introspection info
	// and the spans. Required.
	Service string
	// ID names the instance; empty means Service + "-" + 8 random hex
	// digits.
	ID string
	// Version is the build version introspection reports; empty means "dev".
	Version string
	// AdminAddr is the admin listener's address; empty means 127.0.0.1:0
	// (introspect.ListenAdmin's rules: loopback unless a wildcard is asked
	// for).
	AdminAddr string
	// Registry is the address of a Consul agent or kitbench dev registry
	// that Start (and so Run) registers with; empty means no registration.
	Registry string
	// RegistryOptional makes an unreachable Registry a logged warning: the
	// instance serves unregistered. False makes it Start's (and Run's)
	// error.
	RegistryOptional bool
	// Registrar tunes the registration (TTL, deregistration of a crashed
	// instance); its Logger defaults to Logger. The zero value is
	// consul.RegistrarOptions's.
	Registrar consul.RegistrarOptions
	// Logger receives the instance's records and is what Observe logs
	// calls to; nil discards them.
	Logger *slog.Logger
	// LogOptions are passed to every Observe's logging middleware (for
	// example logging.Redact); nil means logging.New's defaults.
	LogOptions []logging.Option
	// TraceSampling is the fraction of new traces sampled; spans within a
	// sampled trace always are. Zero means every trace (1); negative none.
	TraceSampling float64
	// DrainDelay is how long Shutdown waits after deregistering before it stops
	// the listeners, so callers that still hold the instance's address
	// reach a live server; zero means no wait.
	DrainDelay time.Duration
	// ShutdownTimeout bounds Shutdown, within its context's deadline; zero
	// means DefaultShutdownTimeout. Calls still running then are cut off.
	ShutdownTimeout time.Duration
	// Controls, when set, enables the introspection protocol's control
	// writes on the admin listener with this policy: faults injected
	// through Faults' middlewares, forced breakers and overridden limiters
	// made through the instance, and a drain (deregistration while the
	// instance goes on serving). Nil leaves them disabled (403). With an
	// AdminAddr that is not loopback, New refuses it unless
	// AllowNonLoopback is set.
	Controls *introspect.ControlPolicy
	// AdminToken, when set, is the bearer token every admin request must
	// carry (introspect.WithBearerToken). Empty means none: fine on
	// loopback only.
	AdminToken string
}

// Instance is one observable service instance. Make it with New.
type Instance struct {
	cfg     Config
	id      string
	log     *slog.Logger
	reg     *introspect.Registry
	prom    *prometheus.Registry
	metrics *metrics.Metrics
	tracer  *tracing.Provider
	adminH  *introspect.Handler
	admin   *introspect.AdminServer
	panics  *transport.PanicPolicy
	faults  *fault.Injector

	// drainMu orders Drain and Undrain with the shutdown's deregistration:
	// once the shutdown has taken the registrar, none registers again.
	drainMu sync.Mutex

	mu         sync.Mutex
	listeners  []*listener       // in the order Serve* was called
	registrar  *consul.Registrar // set by Start once registered; what Drain deregisters
	beforeStop []func()
	failed     chan struct{}
	failErr    error
	failOnce   sync.Once
	ran        bool
	shutOnce   sync.Once
	shutErr    error
}

// New creates the instance's registries, tracer and admin listener; the
// admin listener serves from New on. The caller must call Run, or Start
// and then Shutdown, or Shutdown alone.
func New(cfg Config) (_ *Instance, err error) {
	if cfg.Service == "" {
		return nil, fmt.Errorf("%w: Service is empty", ErrConfig)
	}
	inst := &Instance{cfg: cfg, id: cfg.ID, log: cfg.Logger, failed: make(chan struct{})}
	if inst.log == nil {
		inst.log = slog.New(slog.DiscardHandler)
	}
	if inst.id == "" {
		b := make([]byte, 4)
		_, _ = rand.Read(b) // crypto/rand.Read never fails
		inst.id = cfg.Service + "-" + hex.EncodeToString(b)
	}
	version := cfg.Version
	if version == "" {
		version = "dev"
	}
	inst.reg = introspect.NewRegistry(introspect.Info{
		Service: cfg.Service, InstanceID: inst.id, Version: version, StartTime: time.Now().UTC(),
	})
	inst.prom = prometheus.NewRegistry()
	if err := inst.prom.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := inst.prom.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	if err := inst.prom.Register(metrics.NewCollector(inst.reg)); err != nil {
		return nil, err
	}
	if inst.metrics, err = metrics.New(inst.prom); err != nil {
		return nil, err
	}
	panics, err := metrics.NewPanicCounter(inst.prom)
	if err != nil {
		return nil, err
	}
	inst.panics = &transport.PanicPolicy{Logger: inst.log, Counter: panics, MarkSpan: tracing.MarkPanicked}
	ratio := cfg.TraceSampling
	if ratio == 0 {
		ratio = 1
	}
	inst.tracer, err = tracing.NewProvider(cfg.Service, tracing.NewRing(0, inst.reg),
		tracing.WithSampleRatio(ratio), tracing.FromEnv())
	if err != nil {
		return nil, err
	}
	adminOpts := []introspect.HandlerOption{introspect.WithMetrics(inst.prom), introspect.WithRED(inst.metrics), introspect.WithBearerToken(cfg.AdminToken)}
	if cfg.Controls != nil {
		if err := controlsAllowed(cfg.AdminAddr, *cfg.Controls); err != nil {
			_ = inst.tracer.Shutdown(context.Background())
			return nil, err
		}
		adminOpts = append(adminOpts, introspect.WithControls(*cfg.Controls))
		inst.reg.SetDrainer(inst)
	}
	inst.faults = fault.New(fault.WithRegistry(inst.reg))
	inst.adminH = introspect.NewHandler(inst.reg, adminOpts...)
	if inst.admin, err = introspect.ListenAdmin(cfg.AdminAddr, inst.adminH); err != nil {
		_ = inst.tracer.Shutdown(context.Background())
		inst.adminH.Close()
		return nil, fmt.Errorf("instance %s: admin listener: %w", inst.id, err)
	}
	return inst, nil
}

// ID is the instance's id.
func (inst *Instance) ID() string { return inst.id }

// AdminAddr is the admin listener's host:port; its base URL is
// "http://" + AdminAddr.
func (inst *Instance) AdminAddr() string { return inst.admin.Addr() }

// Logger is Config.Logger, or a logger that discards.
func (inst *Instance) Logger() *slog.Logger { return inst.log }

// Introspection is the instance's registry of observable components, for
// what the helper does not create (AddEndpoints for Thrift, say).
func (inst *Instance) Introspection() *introspect.Registry { return inst.reg }

// Prometheus is the registry behind the admin listener's /metrics: register
// the service's own metrics here, beside the RED set.
func (inst *Instance) Prometheus() *prometheus.Registry { return inst.prom }

// Tracer is the instance's tracer provider. Shutdown shuts it down.
func (inst *Instance) Tracer() *tracing.Provider { return inst.tracer }

// Metrics is the instance's RED metrics (kit/metrics).
func (inst *Instance) Metrics() *metrics.Metrics { return inst.metrics }

// PanicPolicy is the policy to give every kit server of the instance
// (kithttp.ServerPanicPolicy, kitgrpc.ServerPanicPolicy, kitgrpc.RecoverUnary,
// …): a recovered panic is logged to Logger with its stack (never its
// value), counted as kit_panics_total on the instance's /metrics, and
// marked on the call's span.
func (inst *Instance) PanicPolicy() *transport.PanicPolicy { return inst.panics }

// Observe is the per-endpoint chain every kit service puts outermost, for
// endpoint name served over transportName ("http", "grpc", "thrift"): a
// server span named service.name, one log record per call, and the RED
// metrics.
func (inst *Instance) Observe(name, transportName string) endpoint.Middleware {
	return endpoint.Chain(
		tracing.Middleware(inst.tracer, inst.cfg.Service+"."+name),
		logging.New(inst.log, name, inst.cfg.LogOptions...),
		inst.metrics.Middleware(name, transportName),
	)
}

// Breaker returns circuitbreaker.New(name, opts...) registered with the
// instance, so introspection, /metrics and kitbench show it.
func (inst *Instance) Breaker(name string, opts ...circuitbreaker.Option) (*circuitbreaker.Breaker, error) {
	return circuitbreaker.New(name, append(opts, circuitbreaker.WithRegistry(inst.reg))...)
}

// ErroringLimiter returns ratelimit.NewErroring registered with the
// instance.
func (inst *Instance) ErroringLimiter(name string, limit rate.Limit, burst int, opts ...ratelimit.Option) (*ratelimit.Limiter, error) {
	return ratelimit.NewErroring(name, limit, burst, append(opts, ratelimit.WithRegistry(inst.reg))...)
}

// DelayingLimiter returns ratelimit.NewDelaying registered with the
// instance.
func (inst *Instance) DelayingLimiter(name string, limit rate.Limit, burst int, opts ...ratelimit.Option) (*ratelimit.Limiter, error) {
	return ratelimit.NewDelaying(name, limit, burst, append(opts, ratelimit.WithRegistry(inst.reg))...)
}
