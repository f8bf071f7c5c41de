package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
	"github.com/kitbench/kitbench/kit/sd/lb"
	"github.com/kitbench/kitbench/kit/tracing"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// firstDiscovery bounds how long Start waits for the first instance set.
const firstDiscovery = 5 * time.Second

// upstream is the gateway's view of the Book fleet: instancer → endpointer
// → outlier(P2C) → retry.
type upstream struct {
	cfg       Config
	tp        trace.TracerProvider
	instancer sd.Instancer
	endpoints *sd.Endpointer
	outlier   *lb.Outlier
	http      *http.Client // for UpstreamHTTP; nil otherwise
	failures  *recentFailures
	streams   *streamClients // each instance's stream endpoints
}

// newUpstream starts following the fleet and waits (boundedly) for the
// first instance set, so that the first calls do not fail for want of it.
func newUpstream(cfg Config, tp trace.TracerProvider, x *ejections) (*upstream, error) {
	u := &upstream{cfg: cfg, tp: tp, failures: x.recent, streams: newStreamClients(tp, cfg.Service)}
	if cfg.Upstream == UpstreamHTTP {
		u.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	}
	if len(cfg.Targets) > 0 {
		insts, err := sd.StaticInstances(cfg.Service, cfg.Targets...)
		if err != nil {
			return nil, fmt.Errorf("%w: Targets: %w", ErrConfig, err)
		}
		u.instancer = sd.FixedInstancer(insts)
	} else if cfg.Instancer != nil {
		u.instancer = unstoppable{cfg.Instancer}
	} else {
		client, err := consul.NewClient(cfg.Registry)
		if err != nil {
			return nil, fmt.Errorf("gateway: registry %s: %w", cfg.Registry, err)
		}
		u.instancer = consul.NewInstancer(client, cfg.Service, cfg.Discovery)
	}
	u.endpoints = sd.NewEndpointer(u.instancer, u.factory)
	oc := cfg.Outlier
	user := oc.OnEject
	oc.OnEject = func(ctx context.Context, e lb.Ejection) {
		x.onEject(ctx, e)
		if user != nil {
			user(ctx, e)
		}
	}
	u.outlier = lb.NewOutlier(u.endpoints, lb.NewP2C(u.endpoints), oc)
	ctx, cancel := context.WithTimeout(context.Background(), firstDiscovery)
	defer cancel()
	_ = u.endpoints.Wait(ctx) // no answer yet: calls get 503 until one comes
	return u, nil
}

// makeEndpoints returns the gateway's Book endpoints: each picks an
// instance and retries elsewhere within one shared budget; CreateBook is
// tried once, since a retry could store the book twice.
func (u *upstream) makeEndpoints() bookstore.Endpoints {
	budget := lb.NewBudget(u.cfg.RetryPercent, u.cfg.MinRetries)
	each := lb.AttemptTimeout(u.cfg.AttemptTimeout)
	retried := lb.Retry(u.cfg.Attempts, 0, u.outlier, lb.WithBudget(budget), each)
	return bookstore.Endpoints{
		CreateBook: lb.Retry(1, 0, u.outlier, lb.WithBudget(budget), each),
		GetBook:    retried,
		ListBooks:  retried,
		DeleteBook: retried,
	}
}

// errNoAddress is returned by the factory for an instance without an
// address for the upstream transport.
var errNoAddress = errors.New("gateway: instance has no address")

// factory dials one instance. Its endpoint takes any of the Book request
// types and calls the matching method in a client span, with the trace
// context propagated, so the instance's server span joins the trace.
func (u *upstream) factory(inst sd.Instance) (endpoint.Endpoint, io.Closer, error) {
	key := sd.MetaGRPC
	if u.cfg.Upstream == UpstreamHTTP {
		key = sd.MetaHTTP
	}
	addr := inst.Meta[key]
	if addr == "" {
		addr = inst.Address
	}
	if addr == "" {
		return nil, nil, fmt.Errorf("%w: %s", errNoAddress, inst.ID)
	}
	var (
		eps    bookstore.Endpoints
		closer io.Closer
		shared *grpc.ClientConn // the streams use the calls' connection
	)
	if u.cfg.Upstream == UpstreamHTTP {
		var err error
		eps, err = bookstore.NewHTTPClient("http://"+addr,
			kithttp.ClientBefore(tracing.HTTPClientBefore(nil)), kithttp.SetClient(u.http))
		if err != nil {
			return nil, nil, err
		}
	} else {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, nil, fmt.Errorf("gateway: dial %s: %w", addr, err)
		}
		eps, closer = bookstore.NewGRPCClient(cc, kitgrpc.ClientBefore(tracing.GRPCClientBefore(nil))), cc
		shared = cc
	}
	attrs := tracing.WithAttributes(
		attribute.String("peer.service", u.cfg.Service),
		attribute.String("instance.id", inst.ID),
		attribute.String("instance.address", addr))
	eps = eps.Wrap(func(method string, next endpoint.Endpoint) endpoint.Endpoint {
		return tracing.Middleware(u.tp, u.cfg.Service+"."+method, tracing.WithSpanKind(trace.SpanKindClient), attrs)(next)
	})
	closer = u.streams.add(inst, shared, closer)
	record, closer := u.failures.track(inst.ID, inst.Address, closer)
	return record(dispatch(eps)), closer, nil
}

// dispatch routes a request to the endpoint of its type.
func dispatch(e bookstore.Endpoints) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		switch req.(type) {
		case bookstore.CreateBookRequest, *bookstore.CreateBookRequest:
			return e.CreateBook(ctx, req)
		case bookstore.GetBookRequest, *bookstore.GetBookRequest:
			return e.GetBook(ctx, req)
		case bookstore.ListBooksRequest, *bookstore.ListBooksRequest:
			return e.ListBooks(ctx, req)
		case bookstore.DeleteBookRequest, *bookstore.DeleteBookRequest:
			return e.DeleteBook(ctx, req)
		}
		return nil, fmt.Errorf("%w: %T is not a Book request", endpoint.ErrRequestType, req)
	}
}

// instances lists the instances being balanced over.
func (u *upstream) instances() []sd.Instance {
	es, err := u.endpoints.Entries()
	if err != nil {
		return nil
	}
	out := make([]sd.Instance, len(es))
	for i, e := range es {
		out[i] = e.Instance()
	}
	return out
}

// close stops discovery and closes every instance's connection.
func (u *upstream) close() error {
	err := u.endpoints.Close()
	u.instancer.Stop()
	if u.http != nil {
		u.http.CloseIdleConnections()
	}
	return err
}

// unstoppable hides Stop from the gateway: an Instancer passed in Config
// belongs to the caller.
type unstoppable struct{ sd.Instancer }

func (unstoppable) Stop() {}
