package instance

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/consul"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

// listener is one transport the instance serves.
type listener struct {
	name  string // "http", "grpc", or the name given to Serve
	addr  string // host:port
	serve func() error
	stop  func(context.Context) error // graceful, bounded by the context
	ln    net.Listener                // closed after stop, in case it was never served
	done  chan struct{}
}

// ErrRunning is returned by Serve* after Start or Run, and by a second
// Start or Run.
var ErrRunning = errors.New("instance: already running")

// ServeOption configures one of ServeHTTP, ServeGRPC and Serve.
type ServeOption func(*serveOptions)

type serveOptions struct {
	docs    []introspect.EndpointDoc
	ownDocs bool
}

// Endpoints publishes docs for the listener instead of the descriptions
// the instance derives (a kithttp.Router's routes, a gRPC server's
// methods), for a service that adds request examples. Without docs it
// publishes none for the listener.
func Endpoints(docs ...introspect.EndpointDoc) ServeOption {
	return func(o *serveOptions) { o.docs, o.ownDocs = docs, true }
}

func serveOpts(opts []ServeOption) serveOptions {
	var o serveOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// ServeHTTP listens on addr ("" means 127.0.0.1:0) and serves h there from
// Start on, with kithttp.NewHTTPServer's limits, publishing the transport.
// When h is a *kithttp.Router its routes are published too, with the
// request and response fields it knows (see Endpoints). It returns the
// address listened on.
func (inst *Instance) ServeHTTP(addr string, h http.Handler, opts ...ServeOption) (string, error) {
	o := serveOpts(opts)
	if rt, ok := h.(*kithttp.Router); ok && !o.ownDocs {
		o.docs = rt.Endpoints()
	}
	srv := kithttp.NewHTTPServer(addr, h) // Addr is only informational with Serve(ln)
	return inst.serve("http", addr, func(ln net.Listener) error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, func(ctx context.Context) error { return srv.Shutdown(ctx) }, o.docs)
}

// ServeGRPC listens on addr ("" means 127.0.0.1:0) and serves s there from
// Start on, publishing the transport and every method of every service
// registered on s (register them first), except the standard health and
// reflection services (see Endpoints). It returns the address listened on.
func (inst *Instance) ServeGRPC(addr string, s *grpc.Server, opts ...ServeOption) (string, error) {
	o := serveOpts(opts)
	if !o.ownDocs {
		o.docs = GRPCEndpoints(s)
	}
	return inst.serve("grpc", addr, s.Serve, func(ctx context.Context) error {
		stopped := make(chan struct{})
		go func() { s.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
			return nil
		case <-ctx.Done():
			s.Stop() // ends GracefulStop too
			<-stopped
			return ctx.Err()
		}
	}, o.docs)
}

// Serve listens on addr ("" means 127.0.0.1:0) for a transport the
// instance has no method for, such as Thrift, and from Start on runs serve
// on the listener; serve returns nil once stop has stopped it, and stop
// stops it gracefully within its context (cutting calls off when the
// context ends). transportName names the transport in the introspection
// info and, as "http", "grpc" or "thrift", in the registration's metadata.
// Only Endpoints' docs are published for it. It returns the address
// listened on.
func (inst *Instance) Serve(transportName, addr string, serve func(net.Listener) error, stop func(context.Context) error, opts ...ServeOption) (string, error) {
	return inst.serve(transportName, addr, serve, stop, serveOpts(opts).docs)
}

func (inst *Instance) serve(name, addr string, serve func(net.Listener) error, stop func(context.Context) error, docs []introspect.EndpointDoc) (string, error) {
	if serve == nil || stop == nil {
		return "", fmt.Errorf("%w: Serve %s needs a serve and a stop function", ErrConfig, name)
	}
	ln, err := inst.listen(name, addr)
	if err != nil {
		return "", err
	}
	l := &listener{name: name, addr: ln.Addr().String(), ln: ln, done: make(chan struct{}),
		serve: func() error { return serve(ln) }, stop: stop}
	if err := inst.add(l, ln); err != nil {
		return "", err
	}
	inst.reg.AddEndpoints(docs...)
	return l.addr, nil
}

// GRPCEndpoints describes every method of the services registered on s,
// except grpc.health.v1 and server reflection, for the introspection info.
func GRPCEndpoints(s *grpc.Server) []introspect.EndpointDoc {
	var docs []introspect.EndpointDoc
	for svc, info := range s.GetServiceInfo() {
		if strings.HasPrefix(svc, "grpc.health.") || strings.HasPrefix(svc, "grpc.reflection.") {
			continue
		}
		for _, m := range info.Methods {
			docs = append(docs, introspect.EndpointDoc{Name: m.Name, Transport: "grpc", GRPCMethod: "/" + svc + "/" + m.Name})
		}
	}
	slices.SortFunc(docs, func(a, b introspect.EndpointDoc) int { return strings.Compare(a.GRPCMethod, b.GRPCMethod) })
	return docs
}

// transportNames are how errors write the transports kit knows.
var transportNames = map[string]string{"http": "HTTP", "grpc": "gRPC", "thrift": "Thrift"}

func (inst *Instance) listen(name, addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("instance %s: cannot listen for %s on %s (is another process using the port? choose another address): %w",
			inst.id, cmp.Or(transportNames[name], name), addr, err)
	}
	return ln, nil
}

func (inst *Instance) add(l *listener, ln net.Listener) error {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.ran {
		_ = ln.Close()
		return ErrRunning
	}
	inst.listeners = append(inst.listeners, l)
	inst.reg.AddTransport(introspect.Transport{Name: l.name, Addr: l.addr})
	return nil
}

// Start serves every transport and registers the instance (ctx bounds
// the registration), then returns; Shutdown stops it. A registration
// failure that is not optional stops everything Start started and is
// Start's error. Run is Start with a wait for a signal.
func (inst *Instance) Start(ctx context.Context) error {
	inst.mu.Lock()
	if inst.ran {
		inst.mu.Unlock()
		return ErrRunning
	}
	inst.ran = true
	ls := slices.Clone(inst.listeners)
	inst.mu.Unlock()

	for _, l := range ls {
		go func() {
			defer close(l.done)
			if err := l.serve(); err != nil {
				inst.fail(fmt.Errorf("instance %s: %s listener %s: %w", inst.id, l.name, l.addr, err))
			}
		}()
	}
	if inst.cfg.Registry != "" {
		r, err := inst.register(ctx, ls)
		switch {
		case err == nil:
			inst.mu.Lock()
			inst.registrar = r
			inst.mu.Unlock()
		case inst.cfg.RegistryOptional:
			inst.log.Warn("running unregistered", "err", err)
		default:
			_ = inst.Shutdown(context.Background())
			return err
		}
	}
	inst.log.Info("instance serving", "service", inst.cfg.Service, "id", inst.id, "admin", "http://"+inst.AdminAddr())
	return nil
}

// Run starts the instance (Start) and blocks until SIGINT or SIGTERM
// arrives, ctx ends, or a listener fails (Done); then it shuts down as
// Shutdown does. It returns nil after a signal or ctx's end, the
// listener's error after a failure, and the registry's error (having
// stopped everything) when registration fails and is not optional. A
// signal that arrives during the registration (bounded by 5 s) is
// honoured once it ends, so that an instance the registry took is
// deregistered rather than left listed until its TTL expires.
func (inst *Instance) Run(ctx context.Context) error {
	sig, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	if err := inst.Start(context.WithoutCancel(sig)); err != nil {
		return err
	}
	var runErr error
	select {
	case <-sig.Done():
		inst.log.Info("shutting down", "cause", context.Cause(sig))
	case <-inst.failed:
		runErr = inst.failErr
	}
	if err := inst.Shutdown(context.Background()); runErr == nil {
		runErr = err
	}
	return runErr
}

// Done is closed when a listener fails on its own (not by Shutdown); Err
// then says which and why.
func (inst *Instance) Done() <-chan struct{} { return inst.failed }

// Err returns the error that closed Done, or nil.
func (inst *Instance) Err() error {
	select {
	case <-inst.failed:
		return inst.failErr
	default:
		return nil
	}
}

func (inst *Instance) fail(err error) {
	inst.failOnce.Do(func() { inst.failErr = err; close(inst.failed) })
}

// BeforeStop adds f to what Shutdown runs after deregistering and waiting
// Config.DrainDelay, before it stops the listeners, in the order added:
// the place to turn a gRPC health service NOT_SERVING or end long-lived
// streams, which a graceful stop would otherwise wait for.
func (inst *Instance) BeforeStop(f func()) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inst.beforeStop = append(inst.beforeStop, f)
}

// Shutdown stops the instance, started or not, in order: it deregisters
// (when Start registered it), waits Config.DrainDelay for callers to
// notice, runs the BeforeStop functions, stops the listeners gracefully
// in parallel until ctx ends or Config.ShutdownTimeout passes (then cuts
// the remaining calls off), flushes spans, and closes the admin listener
// last, so kitbench sees the instance drain. A second call returns the
// first's result.
func (inst *Instance) Shutdown(ctx context.Context) error {
	inst.shutOnce.Do(func() { inst.shutErr = inst.shutdown(ctx) })
	return inst.shutErr
}

func (inst *Instance) shutdown(ctx context.Context) error {
	timeout := inst.cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	inst.drainMu.Lock() // waits for a Drain or Undrain under way
	inst.mu.Lock()
	ls, r, hooks := slices.Clone(inst.listeners), inst.registrar, slices.Clone(inst.beforeStop)
	inst.registrar = nil // Drain and Undrain now refuse: the instance is leaving
	inst.mu.Unlock()
	inst.drainMu.Unlock()
	if r != nil {
		if err := r.Deregister(ctx); err != nil {
			inst.log.Warn("deregistration failed; the registry's TTL check will remove the instance", "err", err)
		} else {
			inst.log.Info("deregistered", "id", inst.id)
		}
		if d := inst.cfg.DrainDelay; d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
	}
	for _, f := range hooks {
		f()
	}
	errs := make(chan error, len(ls))
	for _, l := range ls {
		go func() {
			err := l.stop(ctx)
			_ = l.ln.Close() // already closed when it was served
			errs <- err
		}()
	}
	var all []error
	for range ls {
		if err := <-errs; err != nil && !errors.Is(err, context.DeadlineExceeded) {
			all = append(all, err)
		}
	}
	if inst.ranOnce() {
		for _, l := range ls {
			<-l.done
		}
	}
	all = append(all, inst.tracer.Shutdown(ctx))
	inst.adminH.Close()
	all = append(all, inst.admin.Shutdown(ctx))
	return errors.Join(all...)
}

func (inst *Instance) ranOnce() bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.ran
}

// register announces the instance: its address is the first HTTP listener
// (else the first gRPC one), and the metadata names every listener in the
// forms kit's readers expect.
func (inst *Instance) register(ctx context.Context, ls []*listener) (*consul.Registrar, error) {
	client, err := consul.NewClient(inst.cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("instance %s: registry %s: %w", inst.id, inst.cfg.Registry, err)
	}
	si := registration(inst.cfg.Service, inst.id, inst.AdminAddr(), ls)
	opts := inst.cfg.Registrar
	if opts.Logger == nil {
		opts.Logger = inst.log
	}
	r, err := consul.NewRegistrar(client, si, opts)
	if err != nil {
		return nil, fmt.Errorf("instance %s: registry %s: %w", inst.id, inst.cfg.Registry, err)
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := r.Register(rctx); err != nil {
		return nil, fmt.Errorf("instance %s: cannot register with the registry at %s (start one with `kitbench registry`, or point Registry at a Consul agent): %w", inst.id, inst.cfg.Registry, err)
	}
	return r, nil
}

// metaKeys are the registration metadata keys of the transports kit
// knows; another transport is not published.
var metaKeys = map[string]string{"http": sd.MetaHTTP, "grpc": sd.MetaGRPC, "thrift": sd.MetaThrift}

// registration is the sd.Instance Start registers: the address is the first
// HTTP listener's (else the first gRPC one's); sd.MetaHTTP and sd.MetaGRPC
// are host:port and sd.MetaAdmin the admin base URL, as kitbench and
// kit/sd's factories read them.
func registration(service, id, admin string, ls []*listener) sd.Instance {
	si := sd.Instance{ID: id, Service: service, Meta: map[string]string{sd.MetaAdmin: "http://" + admin}}
	for _, l := range ls {
		key, ok := metaKeys[l.name]
		if !ok || si.Meta[key] != "" {
			continue // the first listener of a transport is the one published
		}
		si.Meta[key] = l.addr
		si.Tags = append(si.Tags, l.name)
	}
	si.Address = cmp.Or(si.Meta[sd.MetaHTTP], si.Meta[sd.MetaGRPC], admin)
	return si
}
