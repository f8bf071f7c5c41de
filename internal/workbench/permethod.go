package workbench

import (
	"context"
	"errors"
	"slices"
	"sync"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// perMethod is the invoker of an instance reached over gRPC that also
// publishes HTTP: a method its gRPC services lack, but which its
// introspection info lists over HTTP, is called over HTTP (and the
// Result's Transport says so). Every other call is the gRPC invoker's.
type perMethod struct {
	invoke.Invoker // gRPC
	inst           sd.Instance
	o              ConnectOptions

	mu   sync.Mutex
	http invoke.Invoker // opened on the first HTTP-only method; nil until then
}

// withHTTPFallback wraps a gRPC invoker of a registered instance that
// publishes HTTP and an admin listener; any other invoker is returned as
// it is.
func withHTTPFallback(g invoke.Invoker, inst sd.Instance, o ConnectOptions) invoke.Invoker {
	if o.HTTP || o.Direct || inst.Meta[sd.MetaHTTP] == "" || inst.Meta[sd.MetaAdmin] == "" {
		return g
	}
	return &perMethod{Invoker: g, inst: inst, o: o}
}

// Invoke calls over gRPC, or over HTTP when gRPC lacks the method and the
// instance serves it over HTTP.
func (p *perMethod) Invoke(ctx context.Context, req invoke.Request) (*invoke.Result, error) {
	res, err := p.Invoker.Invoke(ctx, req)
	if h := p.overHTTP(ctx, req.Method, err); h != nil {
		return h.Invoke(ctx, req)
	}
	return res, err
}

// Describe describes over gRPC, or the HTTP route as Invoke would call it.
func (p *perMethod) Describe(ctx context.Context, method string) (*invoke.Schema, error) {
	s, err := p.Invoker.Describe(ctx, method)
	if h := p.overHTTP(ctx, method, err); h != nil {
		return h.Describe(ctx, method)
	}
	return s, err
}

// Methods lists the gRPC methods and the routes served over HTTP only.
func (p *perMethod) Methods(ctx context.Context) ([]string, error) {
	ms, err := p.Invoker.Methods(ctx)
	if err != nil {
		return ms, err
	}
	info, ierr := instanceInfo(ctx, p.inst)
	if ierr != nil {
		return ms, nil
	}
	have := map[string]bool{}
	for _, m := range ms {
		have[shortName(m)] = true
	}
	for _, d := range info.Endpoints {
		if d.Transport == invoke.HTTP && !have[d.Name] {
			have[d.Name] = true
			ms = append(ms, d.Name)
		}
	}
	slices.Sort(ms)
	return ms, nil
}

// Close closes both invokers.
func (p *perMethod) Close() error {
	p.mu.Lock()
	h := p.http
	p.http = nil
	p.mu.Unlock()
	err := p.Invoker.Close()
	if h != nil {
		err = errors.Join(err, h.Close())
	}
	return err
}

// overHTTP returns the HTTP invoker when err says gRPC lacks method and
// the instance's info lists method over HTTP; else nil.
func (p *perMethod) overHTTP(ctx context.Context, method string, err error) invoke.Invoker {
	if !errors.Is(err, invoke.ErrNoMethod) {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	info, ierr := instanceInfo(ctx, p.inst)
	if ierr != nil {
		return nil
	}
	name := shortName(method)
	if !slices.ContainsFunc(info.Endpoints, func(d wire.EndpointDoc) bool { return d.Transport == invoke.HTTP && d.Name == name }) {
		return nil
	}
	if p.http == nil {
		h, herr := httpInvoker(p.o, p.inst, info)
		if herr != nil {
			return nil
		}
		p.http = h
	}
	return p.http
}
