package tracing

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// serviceNameKey is the OpenTelemetry resource attribute naming a service.
const serviceNameKey = attribute.Key("service.name")

// ErrNoService is returned by NewProvider when the service name is empty.
var ErrNoService = errors.New("tracing: service name is empty")

// Provider is an OpenTelemetry SDK tracer provider set up for one service
// by NewProvider. It is a *sdktrace.TracerProvider (embedded), so it can be
// passed wherever one is expected; Middleware recognises it and skips the
// spans its sampler would drop without allocating. The caller owns it and
// must call Shutdown, which flushes and stops any exporter.
type Provider struct {
	*sdktrace.TracerProvider
	rootOff bool // the root sampler never samples
}

// ProviderOption configures NewProvider.
type ProviderOption func(*providerConfig)

type providerConfig struct {
	ratio    float64
	otlp     bool
	otlpOpts []otlptracegrpc.Option
	env      bool // FromEnv
}

// WithSampleRatio sets the fraction of new traces that are sampled; a span
// with a parent follows its parent's decision. A ratio <= 0 turns sampling
// off (the middleware then costs almost nothing), >= 1 samples every
// trace. Without this option every trace is sampled.
func WithSampleRatio(ratio float64) ProviderOption {
	return func(c *providerConfig) { c.ratio = ratio }
}

// WithOTLP also exports spans to an OTLP collector over gRPC, through a
// batch span processor. The options are otlptracegrpc's (endpoint, TLS,
// headers); without them the exporter follows the standard
// OTEL_EXPORTER_OTLP_* environment variables and defaults to
// localhost:4317 with TLS.
func WithOTLP(opts ...otlptracegrpc.Option) ProviderOption {
	return func(c *providerConfig) { c.otlp, c.otlpOpts, c.env = true, opts, false }
}

// NewProvider returns a tracer provider for service: its resource carries
// service.name, its finished spans go to ring (when not nil) and, with
// WithOTLP or FromEnv, to a collector. Attribute values are capped at 1 KiB and
// counts at 64 per span. It does not touch the otel global provider.
func NewProvider(service string, ring *Ring, opts ...ProviderOption) (*Provider, error) {
	if service == "" {
		return nil, ErrNoService
	}
	cfg := providerConfig{ratio: 1}
	for _, opt := range opts {
		opt(&cfg)
	}
	var root sdktrace.Sampler
	switch {
	case cfg.ratio <= 0:
		root = sdktrace.NeverSample()
	case cfg.ratio >= 1:
		root = sdktrace.AlwaysSample()
	default:
		root = sdktrace.TraceIDRatioBased(cfg.ratio)
	}
	limits := sdktrace.NewSpanLimits()
	limits.AttributeValueLengthLimit = 1024
	limits.AttributeCountLimit = 64
	limits.AttributePerEventCountLimit = 64
	res := resource.NewSchemaless(serviceNameKey.String(service))
	var exp sdktrace.SpanExporter
	if cfg.env {
		var err error
		if exp, err = envExporter(); err != nil {
			return nil, err
		}
		if exp != nil { // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
			if res, err = resource.Merge(res, resource.Environment()); err != nil {
				return nil, fmt.Errorf("%w: OTEL_RESOURCE_ATTRIBUTES: %w", ErrEnv, err)
			}
		}
	}
	tpOpts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(root)),
		sdktrace.WithRawSpanLimits(limits),
	}
	if ring != nil {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(ring))
	}
	if cfg.otlp {
		// New does not dial: the connection is made lazily by gRPC, so the
		// background context only bounds the (non-blocking) setup.
		var err error
		if exp, err = otlptracegrpc.New(context.Background(), cfg.otlpOpts...); err != nil {
			return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
		}
	}
	if exp != nil {
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
	}
	return &Provider{
		TracerProvider: sdktrace.NewTracerProvider(tpOpts...),
		rootOff:        cfg.ratio <= 0,
	}, nil
}
