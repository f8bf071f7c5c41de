package bookstore

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/logging"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
)

// streamWrites are the stream methods that need a token when Config.JWT is
// set: ImportBooks adds books; WatchBooks and SyncBooks only read.
var streamWrites = map[string]bool{MethodImportBooks: true}

// sharedStreams is shared for stream endpoints, outermost first: the
// token of writes (checked at the stream's start, from its metadata), lim
// (one token per stream, shared with the unary methods), and one circuit
// breaker per method, which admits a stream at its start and counts its
// outcome as one call.
func sharedStreams(cfg Config, reg *introspect.Registry, lim *ratelimit.Limiter, openTimeout time.Duration, s StreamEndpoints) (StreamEndpoints, error) {
	var (
		auth endpoint.StreamMiddleware
		err  error
	)
	if cfg.JWT != nil {
		if auth, err = jwt.NewStreamMiddleware(*cfg.JWT); err != nil {
			return StreamEndpoints{}, err
		}
	}
	var firstErr error
	out := s.Wrap(func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		br, err := circuitbreaker.New(method,
			circuitbreaker.ConsecutiveFailures(5),
			circuitbreaker.OpenTimeout(openTimeout),
			circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }),
			circuitbreaker.WithRegistry(reg))
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if br != nil {
			next = br.StreamMiddleware(next)
		}
		next = lim.StreamMiddleware(next)
		if auth != nil && streamWrites[method] {
			next = auth(next)
		}
		return next
	})
	return out, firstErr
}

// observedStreams is observed for stream endpoints, outermost first: one
// span per stream (with an event per message), a log record at its end
// with the message counts, the stream metrics, and the open-streams count
// the introspection info shows.
func observedStreams(s StreamEndpoints, transportName string, tp *tracing.Provider, m *metrics.StreamMetrics,
	reg *introspect.Registry, log *slog.Logger) StreamEndpoints {
	return s.Wrap(func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return endpoint.ChainStream(
			tracing.StreamMiddleware(tp, ServiceName+"."+method),
			logging.NewStream(log, method),
			m.StreamMiddleware(method, transportName),
			reg.StreamMiddleware(method, transportName),
		)(next)
	})
}

// ErrShuttingDown is the error a watch ends with when its instance shuts
// down: 503, which gRPC sends as Unavailable, so the watcher knows to watch
// again (another instance, or this one once it is back).
var ErrShuttingDown = transport.NewError(http.StatusServiceUnavailable, "the instance is shutting down; watch again")

// EndStreamsOn returns a stream middleware that ends each stream's context
// once stop ends, with ErrShuttingDown as its cause: an endpoint that waits
// on its context (a watch) then returns. A graceful stop of a gRPC server
// waits for every open stream, so an instance applies it to its endless
// streams and ends stop before stopping. A stream that ends first leaves
// nothing behind.
func EndStreamsOn(stop context.Context) endpoint.StreamMiddleware {
	return func(next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return func(ctx context.Context, s endpoint.Stream) error {
			ctx, cancel := context.WithCancelCause(ctx)
			defer cancel(nil)
			unhook := context.AfterFunc(stop, func() { cancel(ErrShuttingDown) })
			defer unhook()
			return next(ctx, s)
		}
	}
}
