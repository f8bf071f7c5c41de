package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/logging"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
)

// errUpstreamEnded is wrapped by the error a proxied stream ends with when
// its instance ended it (or the connection to it broke) with a server
// error, or ended a watch, which never ends on its own. Its status is 503:
// the caller sees Unavailable and may call again, landing on an instance
// the balancer picks then.
var errUpstreamEnded = errors.New("gateway: the instance ended the stream")

// streamClients holds the stream endpoints of every instance the
// Endpointer has built, keyed as recentFailures keys instances.
type streamClients struct {
	tp      trace.TracerProvider
	service string
	mu      sync.Mutex
	byKey   map[instanceKey]*bookstore.StreamEndpoints
}

func newStreamClients(tp trace.TracerProvider, service string) *streamClients {
	return &streamClients{tp: tp, service: service, byKey: map[instanceKey]*bookstore.StreamEndpoints{}}
}

// add builds inst's stream endpoints over cc, the connection its unary
// calls use, or, when they go over HTTP (cc is nil), over a connection of
// their own to its kit_grpc address; an instance without one has no
// streams. The returned closer forgets them, closes that connection, and
// then closer (which may be nil).
func (c *streamClients) add(inst sd.Instance, cc *grpc.ClientConn, closer io.Closer) io.Closer {
	var own *grpc.ClientConn
	if cc == nil {
		if addr := inst.Meta[sd.MetaGRPC]; addr != "" {
			own, _ = grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			cc = own // nil when addr is unusable: no streams for inst
		}
	}
	if cc == nil {
		return closer
	}
	attrs := tracing.WithAttributes(
		attribute.String("peer.service", c.service),
		attribute.String("instance.id", inst.ID),
		attribute.String("instance.address", cc.Target()))
	eps := bookstore.NewGRPCStreamClient(cc, kitgrpc.ClientBefore(tracing.GRPCClientBefore(nil))).
		Wrap(func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
			return tracing.StreamMiddleware(c.tp, c.service+"."+method, tracing.WithSpanKind(trace.SpanKindClient), attrs)(next)
		})
	k := instanceKey{inst.ID, inst.Address}
	c.mu.Lock()
	c.byKey[k] = &eps
	c.mu.Unlock()
	return closerFunc(func() error {
		c.mu.Lock()
		if c.byKey[k] == &eps {
			delete(c.byKey, k)
		}
		c.mu.Unlock()
		var errs []error
		if own != nil {
			errs = append(errs, own.Close())
		}
		if closer != nil {
			errs = append(errs, closer.Close())
		}
		return errors.Join(errs...)
	})
}

func (c *streamClients) get(inst sd.Instance) (bookstore.StreamEndpoints, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	eps, ok := c.byKey[instanceKey{inst.ID, inst.Address}]
	if !ok {
		return bookstore.StreamEndpoints{}, false
	}
	return *eps, true
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// makeStreamEndpoints returns the gateway's stream endpoints. Each stream
// picks one instance through the balancer (the same Outlier(P2C) as the
// calls, so ejected instances are avoided) and runs there to its end.
func (u *upstream) makeStreamEndpoints() bookstore.StreamEndpoints {
	return bookstore.StreamEndpoints{
		WatchBooks:  u.proxy(bookstore.MethodWatchBooks, func(e bookstore.StreamEndpoints) endpoint.StreamEndpoint { return e.WatchBooks }),
		ImportBooks: u.proxy(bookstore.MethodImportBooks, func(e bookstore.StreamEndpoints) endpoint.StreamEndpoint { return e.ImportBooks }),
		SyncBooks:   u.proxy(bookstore.MethodSyncBooks, func(e bookstore.StreamEndpoints) endpoint.StreamEndpoint { return e.SyncBooks }),
	}
}

// proxy runs one stream on one instance. There is no failover mid-stream:
// messages already exchanged cannot be replayed on another instance, so a
// stream the instance breaks (a 5xx, a lost connection, an instance that
// left discovery, a watch that ended) ends the caller's stream with Unavailable (errUpstreamEnded), and
// the caller starts again. The instance's client errors (InvalidArgument,
// ResourceExhausted for a watcher that fell behind, …) reach the caller
// as they are.
func (u *upstream) proxy(method string, of func(bookstore.StreamEndpoints) endpoint.StreamEndpoint) endpoint.StreamEndpoint {
	endless := method == bookstore.MethodWatchBooks
	return func(ctx context.Context, s endpoint.Stream) error {
		e, err := u.outlier.PickContext(ctx)
		if err != nil {
			return err // sd.ErrNoEndpoints: 503
		}
		inst := e.Instance()
		eps, ok := u.streams.get(inst)
		if !ok {
			return &transport.Error{Status: http.StatusServiceUnavailable,
				Err: fmt.Errorf("gateway: %s %s: instance %s has no gRPC address", u.cfg.Service, method, inst.ID)}
		}
		err = of(eps)(ctx, s)
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx) // the caller left, or the gateway is shutting down
		case err == nil && !endless:
			return nil
		case err != nil && clientError(err):
			return err
		case err == nil:
			err = io.EOF
		}
		// err's text only: wrapped, the instance's status would be the
		// one the gateway's error encoder finds and sends.
		return &transport.Error{Status: http.StatusServiceUnavailable,
			Err: fmt.Errorf("%w: %s on %s (%s): %v", errUpstreamEnded, method, inst.ID, inst.Address, err)}
	}
}

// clientError tells the instance's answers to the caller (a status below
// 500) from failures; a cancellation the caller did not make is a failure
// (the connection to an instance that left discovery is closed under its
// streams).
func clientError(err error) bool {
	code := transport.StatusOf(err)
	return code < http.StatusInternalServerError && code != transport.StatusClientClosedRequest
}

// guardedStreams is guarded for stream endpoints: lim (shared with the
// calls; one token per stream), then one breaker per method, which admits
// a stream at its start and counts its outcome as one call.
func guardedStreams(cfg Config, reg *introspect.Registry, lim *ratelimit.Limiter, s bookstore.StreamEndpoints) (bookstore.StreamEndpoints, error) {
	var firstErr error
	out := s.Wrap(func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		br, err := circuitbreaker.New(cfg.Service+"."+method,
			circuitbreaker.ConsecutiveFailures(5),
			circuitbreaker.OpenTimeout(cfg.OpenTimeout),
			circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }),
			circuitbreaker.WithRegistry(reg))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return next
		}
		return lim.StreamMiddleware(br.StreamMiddleware(next))
	})
	return out, firstErr
}

// observedStreams is observed for stream endpoints: one server span per
// stream (the parent of the instance's), a log record at its end, the
// stream metrics, and the open-streams count of the introspection info.
func observedStreams(s bookstore.StreamEndpoints, transportName string, tp *tracing.Provider, m *metrics.StreamMetrics,
	reg *introspect.Registry, log *slog.Logger) bookstore.StreamEndpoints {
	return s.Wrap(func(method string, next endpoint.StreamEndpoint) endpoint.StreamEndpoint {
		return endpoint.ChainStream(
			tracing.StreamMiddleware(tp, ServiceName+"."+method),
			logging.NewStream(log, method),
			m.StreamMiddleware(method, transportName),
			reg.StreamMiddleware(method, transportName),
		)(next)
	})
}
