package workbench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/invoke"
)

// ErrNoCandidates is wrapped by the errors that mean there is nothing to
// call: the registry cannot be read, the service is unknown or has no
// instance, or no instance matches the one asked for.
var ErrNoCandidates = errors.New("no instance to call")

// noCandidates keeps err's text and makes it match ErrNoCandidates too.
type noCandidates struct{ err error }

func (e noCandidates) Error() string   { return e.err.Error() }
func (e noCandidates) Unwrap() []error { return []error{e.err, ErrNoCandidates} }

// DefaultConnectTimeout bounds finding a service and connecting to an
// instance when the options leave it zero.
const DefaultConnectTimeout = 5 * time.Second

// Source says where to find a service's instances.
type Source struct {
	// Consul and Etcd choose the registry as discovery.Options does; both
	// empty means CONSUL_HTTP_ADDR, else 127.0.0.1:8500.
	Consul, Etcd string
	// Target, when set, is the one address to call (host:port), with no
	// registry: a gRPC server or a kit admin listener.
	Target string
	// Instance, when set, picks one instance by ID or by any of its
	// addresses; empty means every instance, in the order to try them.
	Instance string
	// Timeout bounds the registry query; zero means DefaultConnectTimeout.
	Timeout time.Duration
}

// Candidates returns the instances of service to call, in the order to
// try them: healthy ones first, round robin from a random start (so that
// repeated calls spread over the fleet), then the others. With
// src.Target the one candidate is that address; with src.Instance, the
// instance it names.
func Candidates(ctx context.Context, src Source, service string) ([]sd.Instance, error) {
	if src.Target != "" {
		if _, _, err := net.SplitHostPort(src.Target); err != nil {
			return nil, fmt.Errorf("--target %q: want host:port", src.Target)
		}
		return []sd.Instance{{ID: src.Target, Service: service, Address: src.Target, Health: sd.HealthPassing}}, nil
	}
	lctx, cancel := context.WithTimeout(ctx, cmp.Or(src.Timeout, DefaultConnectTimeout))
	defer cancel()
	snap, err := discovery.List(lctx, discovery.Options{Consul: src.Consul, Etcd: src.Etcd})
	if err != nil {
		return nil, noCandidates{fmt.Errorf("%w (%s)", err, StartAFleet)}
	}
	svc, ok := snap.Service(service)
	if !ok {
		names := make([]string, 0, len(snap.Services))
		for _, s := range snap.Services {
			names = append(names, s.Name)
		}
		return nil, noCandidates{invoke.NotFound(invoke.ErrNoService, service, "the registry ("+snap.Source+")", names)}
	}
	if len(svc.Instances) == 0 {
		return nil, noCandidates{fmt.Errorf("service %q has no instances in the registry (%s)", service, snap.Source)}
	}
	if src.Instance != "" {
		var ids []string
		for _, in := range svc.Instances {
			if in.ID == src.Instance || in.Address == src.Instance || in.Meta[sd.MetaGRPC] == src.Instance || in.Meta[sd.MetaHTTP] == src.Instance {
				return []sd.Instance{in}, nil
			}
			ids = append(ids, in.ID)
		}
		return nil, noCandidates{invoke.NotFound(errors.New("no such instance"), src.Instance, "service "+service, ids)}
	}
	return Order(svc.Instances, rand.IntN), nil
}

// Order returns insts in the order to try them: the healthy ones first,
// rotated to start at start(n) of the n healthy ones, then the others in
// their order. insts is not modified.
func Order(insts []sd.Instance, start func(n int) int) []sd.Instance {
	var healthy, rest []sd.Instance
	for _, in := range insts {
		if in.Health == sd.HealthPassing {
			healthy = append(healthy, in)
		} else {
			rest = append(rest, in)
		}
	}
	if len(healthy) > 1 {
		k := start(len(healthy))
		healthy = append(healthy[k:], healthy[:k]...)
	}
	return append(healthy, rest...)
}

// FromHub turns an instance the hub watches into one to connect to,
// filling the transport and admin addresses from its introspection info
// when the registry does not publish them (static targets).
func FromHub(in hub.Instance) sd.Instance {
	meta := make(map[string]string, len(in.Meta)+3)
	for k, v := range in.Meta {
		meta[k] = v
	}
	if in.Info != nil {
		for _, t := range in.Info.Transports {
			switch t.Name {
			case invoke.GRPC:
				meta[sd.MetaGRPC] = cmp.Or(meta[sd.MetaGRPC], t.Addr)
			case invoke.HTTP:
				meta[sd.MetaHTTP] = cmp.Or(meta[sd.MetaHTTP], t.Addr)
			}
		}
	}
	if in.Admin != "" {
		meta[sd.MetaAdmin] = cmp.Or(meta[sd.MetaAdmin], in.Admin)
	}
	return sd.Instance{ID: in.InstanceID, Service: in.Service, Address: in.Address, Meta: meta, Health: in.Health}
}

// SplitMethod splits a SERVICE.METHOD argument into the discovery name
// and the method to ask invoke for. With a registry, SERVICE is the name
// before the first dot and the method keeps it as a hint to the gRPC
// service ("bookstore.GetBook"), unless the rest is itself a full gRPC
// name. With direct (a --target address), the whole argument is the
// method, a gRPC name, and the service its service part.
func SplitMethod(arg string, direct bool) (service, method string, err error) {
	arg = strings.TrimSpace(arg)
	if direct {
		i := strings.LastIndexAny(arg, "./")
		if i <= 0 || i == len(arg)-1 {
			return "", "", fmt.Errorf("%q: want SERVICE.METHOD (with --target, the gRPC service: helloworld.Greeter.SayHello)", arg)
		}
		return arg[:i], arg, nil
	}
	service, rest, ok := strings.Cut(arg, ".")
	if !ok || service == "" || rest == "" {
		return "", "", fmt.Errorf("%q: want SERVICE.METHOD, e.g. bookstore.GetBook (see 'kitbench list')", arg)
	}
	if strings.ContainsAny(rest, "./") {
		return service, rest, nil // a full gRPC name after the discovery name
	}
	return service, arg, nil // the discovery name doubles as a hint to the gRPC service
}

// shortName is a method's last part: "GetBook" of "bookstore.GetBook" or
// "/bookstore.v1.BookService/GetBook".
func shortName(method string) string {
	return method[strings.LastIndexAny(method, "./")+1:]
}
