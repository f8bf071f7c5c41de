package bookstore

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/fault"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/logging"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/recorder"
)

// Defaults of the resilience middlewares.
const (
	DefaultRateLimit   = 200 // requests per second, per instance
	DefaultBurst       = 100
	DefaultOpenTimeout = 5 * time.Second
)

// writes are the methods that need a token when Config.JWT is set.
var writes = map[string]bool{MethodCreateBook: true, MethodDeleteBook: true}

// httpExamples and grpcExamples are the JSON requests the introspection
// info shows for each transport: the HTTP body (path parameters included),
// and the protobuf message in protojson form.
var (
	httpExamples = map[string]string{
		MethodCreateBook: `{"title":"The Go Programming Language","author":"Donovan, Kernighan","year":2015}`,
		MethodGetBook:    `{"id":"0000000000000001"}`,
		MethodListBooks:  `{"page_size":10}`,
		MethodDeleteBook: `{"id":"0000000000000001"}`,
	}
	grpcExamples = map[string]string{
		MethodCreateBook: `{"book":{"title":"The Go Programming Language","author":"Donovan, Kernighan","year":2015}}`,
		MethodGetBook:    `{"id":"0000000000000001"}`,
		MethodListBooks:  `{"page_size":10}`,
		MethodDeleteBook: `{"id":"0000000000000001"}`,
		// One message of each stream; ImportBooks and SyncBooks take many.
		MethodWatchBooks:  `{}`,
		MethodImportBooks: `{"book":{"title":"The Go Programming Language","author":"Donovan, Kernighan","year":2015}}`,
		MethodSyncBooks:   `{"id":"0000000000000001","create_time":"2024-01-01T00:00:00Z"}`,
	}
)

// shared builds the transport-independent part of every endpoint's chain:
// authentication of writes, the rate limiter, one circuit breaker per
// method, then the caller's own middleware (innermost). Stream endpoints
// get the same chain (see sharedStreams), with the same limiter.
func shared(cfg Config, reg *introspect.Registry, e Endpoints, s StreamEndpoints, faults *fault.Injector) (Endpoints, StreamEndpoints, error) {
	limit, burst := cfg.RateLimit, cfg.Burst
	if limit == 0 {
		limit = DefaultRateLimit
	}
	if burst == 0 {
		burst = DefaultBurst
	}
	lim, err := ratelimit.NewErroring(ServiceName, limit, burst, ratelimit.WithRegistry(reg))
	if err != nil {
		return Endpoints{}, StreamEndpoints{}, err
	}
	var auth endpoint.Middleware
	if cfg.JWT != nil {
		if auth, err = jwt.NewMiddleware(*cfg.JWT); err != nil {
			return Endpoints{}, StreamEndpoints{}, err
		}
	}
	openTimeout := cfg.OpenTimeout
	if openTimeout == 0 {
		openTimeout = DefaultOpenTimeout
	}
	var firstErr error
	out := e.Wrap(func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		br, err := circuitbreaker.New(method,
			circuitbreaker.ConsecutiveFailures(5),
			circuitbreaker.OpenTimeout(openTimeout),
			circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }),
			circuitbreaker.WithRegistry(reg))
		if err != nil && firstErr == nil {
			firstErr = err
		}
		next = faults.Middleware(method)(next)
		if cfg.Middleware != nil {
			next = cfg.Middleware(method, next)
		}
		if br != nil {
			next = br.Middleware(next)
		}
		next = lim.Middleware(next)
		if auth != nil && writes[method] {
			next = auth(next)
		}
		return next
	})
	if firstErr != nil {
		return Endpoints{}, StreamEndpoints{}, firstErr
	}
	streams, err := sharedStreams(cfg, reg, lim, openTimeout, s)
	return out, streams, err
}

// observed adds the per-transport part of the chain, outermost first:
// a server span, a log record and the RED metrics, labelled with the
// transport so HTTP and gRPC traffic are told apart.
func observed(e Endpoints, transportName string, tp *tracing.Provider, m *metrics.Metrics, log *slog.Logger) Endpoints {
	return e.Wrap(func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		return endpoint.Chain(
			tracing.Middleware(tp, ServiceName+"."+method),
			logging.New(log, method, LogRedaction()),
			m.Middleware(method, transportName),
		)(next)
	})
}

// LogRedaction is the logging option of the Book service and the gateway:
// the secret fields of the requests and responses they log (at Debug, or
// with a failure) are replaced by "[REDACTED]", as decided by the one
// redaction policy kitbench's recordings use (recorder.DefaultPolicy).
func LogRedaction() logging.Option {
	return logging.RedactFunc(recorder.DefaultPolicy().SecretField)
}

// EndpointDocs describes the Book API for the introspection info: the HTTP
// routes a router serves (from its Endpoints method) and the gRPC methods of
// bookstore.v1.BookService (the streaming ones included: they are served
// over gRPC only), each with a request example in that transport's JSON
// form. The gateway, which serves the same API, uses it too.
func EndpointDocs(httpRoutes []introspect.EndpointDoc) []introspect.EndpointDoc {
	docs := make([]introspect.EndpointDoc, 0, 2*len(httpRoutes))
	for _, d := range httpRoutes {
		d.RequestExample = json.RawMessage(httpExamples[d.Name])
		docs = append(docs, d)
	}
	for _, m := range []string{MethodCreateBook, MethodGetBook, MethodListBooks, MethodDeleteBook,
		MethodWatchBooks, MethodImportBooks, MethodSyncBooks} {
		docs = append(docs, introspect.EndpointDoc{
			Name: m, Transport: "grpc", GRPCMethod: "/" + GRPCService + "/" + m,
			RequestExample: json.RawMessage(grpcExamples[m]),
		})
	}
	return docs
}
