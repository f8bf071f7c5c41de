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
	name  string // "http" or "grpc"
	addr  string // host:port
	serve func() error
	stop  func(context.Context) error // graceful, bounded by the context
	ln    net.Listener                // closed after stop, in case it was never served
	done  chan struct{}
}

// ErrRunning is returned by Serve* after Run started, and by a second Run.
var ErrRunning = errors.New("instance: already running")

// ServeHTTP listens on addr ("" means 127.0.0.1:0) and serves h there from
// Run on, with kithttp.NewHTTPServer's limits, publishing the transport.
// When h is a *kithttp.Router its routes are published too, with the
// request and response fields it knows. It returns the address listened
// on.
func (inst *Instance) ServeHTTP(addr string, h http.Handler) (string, error) {
	ln, err := listen("HTTP", addr)
	if err != nil {
		return "", err
	}
	srv := kithttp.NewHTTPServer(ln.Addr().String(), h)
	l := &listener{name: "http", addr: ln.Addr().String(), ln: ln, done: make(chan struct{}),
		serve: func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
		stop: srv.Shutdown}
	if err := inst.add(l, ln); err != nil {
		return "", err
	}
	if rt, ok := h.(*kithttp.Router); ok {
		inst.reg.AddEndpoints(rt.Endpoints()...)
	}
	return l.addr, nil
}

// ServeGRPC listens on addr ("" means 127.0.0.1:0) and serves s there from
// Run on, publishing the transport and every method of every service
// registered on s (register them first), except the standard health and
// reflection services. It returns the address listened on.
func (inst *Instance) ServeGRPC(addr string, s *grpc.Server) (string, error) {
	ln, err := listen("gRPC", addr)
	if err != nil {
		return "", err
	}
	l := &listener{name: "grpc", addr: ln.Addr().String(), ln: ln, done: make(chan struct{}),
		serve: func() error { return s.Serve(ln) },
		stop: func(ctx context.Context) error {
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
		}}
	if err := inst.add(l, ln); err != nil {
		return "", err
	}
	inst.reg.AddEndpoints(GRPCEndpoints(s)...)
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

func listen(what, addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("instance: %s listener on %s: %w (is another process using the port? choose another address)", what, addr, err)
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

// Run serves every transport, registers the instance, and blocks until
// SIGINT or SIGTERM arrives, ctx ends, or a listener fails; then it shuts
// down as Shutdown does. It returns nil after a signal or ctx's end, the
// listener's error after a failure, and the registry's error (having
// stopped everything) when registration fails and is not optional.
func (inst *Instance) Run(ctx context.Context) error {
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
	sig, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	var registrar *consul.Registrar
	if inst.cfg.Registry != "" {
		r, err := inst.register(sig, ls)
		switch {
		case err == nil:
			registrar = r
			inst.mu.Lock()
			inst.registrar = r
			inst.mu.Unlock()
		case inst.cfg.RegistryOptional:
			inst.log.Warn("running unregistered", "err", err)
		default:
			_ = inst.shutdown(nil, ls)
			return err
		}
	}
	inst.log.Info("instance serving", "service", inst.cfg.Service, "id", inst.id, "admin", "http://"+inst.AdminAddr())
	var runErr error
	select {
	case <-sig.Done():
		inst.log.Info("shutting down", "cause", context.Cause(sig))
	case <-inst.failed:
		runErr = inst.failErr
	}
	if err := inst.shutdown(registrar, ls); runErr == nil {
		runErr = err
	}
	return runErr
}

func (inst *Instance) fail(err error) {
	inst.failOnce.Do(func() { inst.failErr = err; close(inst.failed) })
}

// Shutdown stops an instance that is not running (one whose Run failed or
// was never called): the listeners, the tracer and the admin listener. Run
// does the same itself when it returns.
func (inst *Instance) Shutdown() error {
	inst.mu.Lock()
	ls := slices.Clone(inst.listeners)
	inst.mu.Unlock()
	return inst.shutdown(nil, ls)
}

// shutdown deregisters first, waits the drain delay, stops the listeners
// gracefully (in parallel, within the shutdown timeout), flushes spans and
// closes the admin listener last, so kitbench sees the instance drain.
func (inst *Instance) shutdown(r *consul.Registrar, ls []*listener) error {
	inst.shutOnce.Do(func() {
		timeout := inst.cfg.ShutdownTimeout
		if timeout <= 0 {
			timeout = DefaultShutdownTimeout
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
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
		inst.shutErr = errors.Join(all...)
	})
	return inst.shutErr
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

// registration is the sd.Instance Run registers: the address is the first
// HTTP listener's (else the first gRPC one's); sd.MetaHTTP and sd.MetaGRPC
// are host:port and sd.MetaAdmin the admin base URL, as kitbench and
// kit/sd's factories read them.
func registration(service, id, admin string, ls []*listener) sd.Instance {
	si := sd.Instance{ID: id, Service: service, Meta: map[string]string{sd.MetaAdmin: "http://" + admin}}
	for _, l := range ls {
		key := sd.MetaHTTP
		if l.name == "grpc" {
			key = sd.MetaGRPC
		}
		if si.Meta[key] != "" {
			continue // the first listener of a transport is the one published
		}
		si.Meta[key] = l.addr
		si.Tags = append(si.Tags, l.name)
	}
	si.Address = cmp.Or(si.Meta[sd.MetaHTTP], si.Meta[sd.MetaGRPC], admin)
	return si
}
