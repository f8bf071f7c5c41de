package gateway

import (
	"errors"
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/kitbench/kitbench/examples/bookstore"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
	"github.com/kitbench/kitbench/kit/sd/lb"
)

// ServiceName is the name the gateway registers under in discovery.
const ServiceName = "gateway"

// Upstream transports: how the gateway calls Book instances.
const (
	UpstreamGRPC = "grpc" // at each instance's kit_grpc address
	UpstreamHTTP = "http" // at each instance's kit_http address
)

// Defaults of Config's zero values.
const (
	DefaultAttempts       = 3               // tries per call, the first included
	DefaultAttemptTimeout = 2 * time.Second // deadline of each try
	DefaultRateLimit      = 1000            // requests per second the gateway accepts
	DefaultBurst          = 200
	DefaultOpenTimeout    = 5 * time.Second // how long a method's breaker stays open

	DefaultDiscoveryEvery = time.Second // spacing of registry queries after the burst
	DefaultDiscoveryBurst = 3           // registry queries allowed back to back
	DefaultDiscoveryWait  = time.Minute // blocking-query wait
)

// ErrConfig is wrapped by Start's error for a configuration it cannot run.
var ErrConfig = errors.New("gateway: bad configuration")

// Config describes one gateway instance. The zero value is not enough on
// its own: set Registry, Targets or both. Every other zero value is a
// working default.
type Config struct {
	// HTTPAddr, GRPCAddr and AdminAddr are listen addresses; empty means
	// 127.0.0.1:0 (a free loopback port). The admin listener serves the
	// introspection protocol and /metrics.
	HTTPAddr, GRPCAddr, AdminAddr string
	// InstanceID names the instance in discovery and introspection; empty
	// means "gateway-" and random hex.
	InstanceID string
	// Version is reported by introspection; empty means "dev".
	Version string
	// Logger receives start-up, shutdown, ejection and per-call records;
	// nil discards them.
	Logger *slog.Logger
	// Controls, when set, enables the admin listener's controls with this
	// policy (kitbench fault, breaker, limit, drain); faults are injected
	// where each upstream call's answer arrives. Nil leaves them disabled.
	// Start refuses them on an AdminAddr that is not loopback unless the
	// policy sets AllowNonLoopback (kit/instance).
	Controls *introspect.ControlPolicy

	// Registry is the address of a Consul agent or kitbench dev registry
	// ("host:port" or a URL). The gateway registers there as "gateway"
	// and, unless Targets is set, finds the Book service there. Empty
	// means no registration and no discovery.
	Registry string
	// Targets are static Book instances, host:port of the Upstream
	// transport. When set they replace discovery. Nil means discover.
	Targets []string
	// Instancer, when set and Targets is not, is where the gateway finds
	// the Book service instead of Registry (kit/sd/etcd's Instancer, say).
	// The caller owns it and stops it after the gateway. Nil means
	// discover at Registry.
	Instancer sd.Instancer
	// Service is the discovered service's name; empty means "bookstore".
	Service string
	// Upstream is UpstreamGRPC or UpstreamHTTP; empty means UpstreamGRPC.
	// A discovered instance is dialled at its kit_grpc (kit_http) metadata
	// address, or its registered address when that key is missing.
	Upstream string
	// Discovery tunes the registry watch; each zero field takes the
	// gateway's default (DefaultDiscoveryEvery, DefaultDiscoveryBurst,
	// DefaultDiscoveryWait) or, for the rest, the consul package's.
	Discovery consul.InstancerOptions

	// Attempts is how many times a call may be tried on different
	// instances; zero means DefaultAttempts. CreateBook is tried once.
	Attempts int
	// AttemptTimeout is each try's deadline; zero means
	// DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// RetryPercent and MinRetries set the retry budget (see lb.NewBudget):
	// zero means 20 % and 3.
	RetryPercent, MinRetries int
	// Outlier configures ejection; its zero value is lb's defaults (5
	// consecutive failures, 30 s, at most 10 % of instances, no failure
	// ratio). An OnEject set here is called after the gateway's own
	// reporting.
	Outlier lb.OutlierConfig

	// RateLimit and Burst bound the requests the gateway accepts (shared
	// by all methods); zero means DefaultRateLimit and DefaultBurst.
	RateLimit rate.Limit
	Burst     int
	// OpenTimeout is how long a method's breaker stays open after five
	// consecutive failed calls; zero means DefaultOpenTimeout.
	OpenTimeout time.Duration
	// TraceSampling is the fraction of new traces sampled (0 to 1); calls
	// inside a sampled trace are always traced. Zero samples only those.
	TraceSampling float64
	// NoExchangeRing, when set, keeps no exchange ring. Unset, the
	// gateway keeps its last exchanges in memory (recorder/capture's
	// Ring, default sizes), read through GET /debug/kit/v1/exchanges.
	NoExchangeRing bool
}

// withDefaults fills the zero values and checks the rest.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Registry == "" && len(cfg.Targets) == 0 && cfg.Instancer == nil {
		return cfg, errors.Join(ErrConfig, errors.New("set Registry or Instancer (discovery) or Targets (static instances) so the gateway can find the Book service"))
	}
	switch cfg.Upstream {
	case "":
		cfg.Upstream = UpstreamGRPC
	case UpstreamGRPC, UpstreamHTTP:
	default:
		return cfg, errors.Join(ErrConfig, errors.New("Upstream must be "+UpstreamGRPC+" or "+UpstreamHTTP+", not "+cfg.Upstream))
	}
	if cfg.Service == "" {
		cfg.Service = bookstore.ServiceName
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultAttempts
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.OpenTimeout <= 0 {
		cfg.OpenTimeout = DefaultOpenTimeout
	}
	d := &cfg.Discovery
	if d.RateEvery == 0 {
		d.RateEvery = DefaultDiscoveryEvery
	}
	if d.RateBurst == 0 {
		d.RateBurst = DefaultDiscoveryBurst
	}
	if d.Wait == 0 {
		d.Wait = DefaultDiscoveryWait
	}
	return cfg, nil
}
