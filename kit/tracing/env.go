package tracing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ErrEnv is wrapped by the error NewProvider returns when FromEnv finds an
// OpenTelemetry variable it cannot honour.
var ErrEnv = errors.New("tracing: unsupported OpenTelemetry environment")

// The standard OpenTelemetry SDK variables FromEnv reads itself; the OTLP
// exporters read the other OTEL_EXPORTER_OTLP_* ones (endpoint, headers,
// TLS, timeout, compression) on their own.
const (
	EnvTracesExporter = "OTEL_TRACES_EXPORTER"
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
)

// FromEnv exports spans, besides the ring, where the OpenTelemetry SDK's
// standard environment variables say, so a fleet's traces reach its Jaeger,
// Tempo or collector with no code change:
//
//   - OTEL_TRACES_EXPORTER: "otlp" exports, "none" does not; unset, spans
//     are exported when OTEL_EXPORTER_OTLP_ENDPOINT or
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set and kept in the ring only
//     otherwise (the specification's default is "otlp" to localhost, which
//     would have every service without a collector log connection errors).
//     Other exporters ("console", "zipkin") are refused with ErrEnv.
//   - OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL:
//     "http/protobuf" (the default, port 4318) or "grpc" (port 4317);
//     "http/json" is refused with ErrEnv.
//   - OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when spans are
//     exported, rename the service and add resource attributes on every
//     span, over the name NewProvider was given (the introspection info and
//     the registry keep that name).
//   - every other OTEL_EXPORTER_OTLP_* variable (endpoint, headers,
//     certificates, insecure, timeout, compression) is read by the
//     OpenTelemetry exporter itself.
//
// FromEnv after WithOTLP replaces it, and WithOTLP after FromEnv replaces
// FromEnv: the last one given decides.
func FromEnv() ProviderOption {
	return func(c *providerConfig) { c.otlp, c.otlpOpts, c.env = false, nil, true }
}

// envExporter returns the exporter the environment asks for, or nil.
func envExporter() (sdktrace.SpanExporter, error) {
	switch exp := strings.TrimSpace(os.Getenv(EnvTracesExporter)); exp {
	case "none":
		return nil, nil
	case "":
		if os.Getenv(EnvEndpoint) == "" && os.Getenv(EnvTracesEndpoint) == "" {
			return nil, nil
		}
	case "otlp":
	default:
		return nil, fmt.Errorf("%w: %s=%q: kit exports to OTLP only (otlp or none)", ErrEnv, EnvTracesExporter, exp)
	}
	proto := strings.TrimSpace(os.Getenv(EnvTracesProtocol))
	if proto == "" {
		proto = strings.TrimSpace(os.Getenv(EnvProtocol))
	}
	// New does not connect: both exporters reach the collector lazily, so
	// the background context only bounds the (non-blocking) setup.
	switch proto {
	case "", "http/protobuf":
		return otlptracehttp.New(context.Background())
	case "grpc":
		return otlptracegrpc.New(context.Background())
	default:
		return nil, fmt.Errorf("%w: %s=%q: use http/protobuf or grpc", ErrEnv, EnvProtocol, proto)
	}
}
