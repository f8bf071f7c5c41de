package workbench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// ConnectOptions say how to reach an instance. The zero value connects
// over gRPC when the instance offers it, else HTTP, in plaintext, with
// descriptors from server reflection, within DefaultConnectTimeout.
type ConnectOptions struct {
	// HTTP calls over HTTP/JSON even when the instance offers gRPC.
	HTTP bool
	// Direct says the instance is a --target address: a gRPC server, or
	// a kit admin listener that says where its transports are. False
	// means a registered instance, found through its metadata.
	Direct bool
	// Timeout bounds connecting (and reading the admin listener's info);
	// zero means DefaultConnectTimeout.
	Timeout time.Duration
	// TLS configures both transports; the zero value is plaintext.
	TLS invoke.TLS
	// ProtoFiles, ImportPaths and Protosets replace server reflection as
	// invoke.GRPCOptions says; nil means reflection.
	ProtoFiles, ImportPaths, Protosets []string
}

// Connect opens an invoker to inst: gRPC when it offers it (and HTTP is
// not asked for), else HTTP with the routes of its introspection info. A
// registered instance that publishes both has a method its gRPC services
// lack, but its info lists over HTTP, called over HTTP. An
// instance that cannot be reached gives an error wrapping
// invoke.ErrUnreachable.
func Connect(ctx context.Context, inst sd.Instance, o ConnectOptions) (invoke.Invoker, error) {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(o.Timeout, DefaultConnectTimeout))
	defer cancel()
	gopts := invoke.GRPCOptions{TLS: o.TLS, ProtoFiles: o.ProtoFiles, ImportPaths: o.ImportPaths, Protosets: o.Protosets}
	if !o.HTTP {
		addr := inst.Meta[sd.MetaGRPC]
		if o.Direct {
			addr = inst.Address
		}
		if addr != "" {
			g, err := invoke.DialGRPC(ctx, addr, gopts)
			if err == nil {
				return withHTTPFallback(g, inst, o), nil // a method gRPC lacks may be served over HTTP
			}
			if !o.Direct || !errors.Is(err, invoke.ErrUnreachable) {
				return g, err
			}
			// A --target may name a kit admin listener: ask it where gRPC is.
			info, ierr := AdminInfo(ctx, "http://"+inst.Address)
			if ierr != nil {
				return nil, err
			}
			if a := transportAddr(info, invoke.GRPC); a != "" {
				return invoke.DialGRPC(ctx, a, gopts)
			}
			return httpInvoker(o, inst, info)
		}
		if inst.Meta[sd.MetaHTTP] == "" {
			if a := inst.Meta[sd.MetaThrift]; a != "" {
				return nil, fmt.Errorf("instance %s serves Thrift only (%s %s): kitbench makes Thrift calls through the service's HTTP or gRPC twin, and this instance publishes neither (%s, %s)", inst.ID, sd.MetaThrift, a, sd.MetaGRPC, sd.MetaHTTP)
			}
			return nil, fmt.Errorf("instance %s publishes no gRPC (%s) or HTTP (%s) address", inst.ID, sd.MetaGRPC, sd.MetaHTTP)
		}
	}
	admin := inst.Meta[sd.MetaAdmin]
	if o.Direct {
		admin = "http://" + inst.Address
	}
	if admin == "" {
		return nil, fmt.Errorf("instance %s publishes no admin listener (%s), so its HTTP routes are unknown: call it over gRPC", inst.ID, sd.MetaAdmin)
	}
	var info wire.Info
	var err error
	if o.Direct { // no registry: the address itself is the admin listener
		info, err = AdminInfo(ctx, admin)
	} else {
		info, err = instanceInfo(ctx, inst)
	}
	if err != nil {
		if o.Direct {
			return nil, fmt.Errorf("%w: --http with --target needs a kit admin listener there: %w", invoke.ErrUnreachable, err)
		}
		return nil, fmt.Errorf("%w: the route table of %s: %w", invoke.ErrUnreachable, inst.ID, err)
	}
	return httpInvoker(o, inst, info)
}

func httpInvoker(o ConnectOptions, inst sd.Instance, info wire.Info) (invoke.Invoker, error) {
	addr := cmp.Or(inst.Meta[sd.MetaHTTP], transportAddr(info, invoke.HTTP))
	if addr == "" {
		return nil, fmt.Errorf("instance %s serves no HTTP transport", inst.ID)
	}
	return invoke.NewHTTP(addr, info.Endpoints, invoke.HTTPOptions{TLS: o.TLS})
}

func transportAddr(info wire.Info, name string) string {
	for _, t := range info.Transports {
		if t.Name == name {
			return t.Addr
		}
	}
	return ""
}

// thriftOnly explains a method that err says the instance lacks when its
// introspection info lists it over Thrift: kitbench does not speak Thrift,
// it calls the service's HTTP or gRPC twin, which it names. Any other err
// is returned as it is.
func thriftOnly(ctx context.Context, inst sd.Instance, method string, err error) error {
	admin := inst.Meta[sd.MetaAdmin]
	if !errors.Is(err, invoke.ErrNoMethod) || admin == "" {
		return err
	}
	info, ierr := instanceInfo(ctx, inst)
	if ierr != nil {
		return err
	}
	name := shortName(method)
	thrift := false
	var twins []string
	for _, d := range info.Endpoints {
		switch {
		case d.Name != name:
		case d.Transport == "thrift":
			thrift = true
		case d.Transport == invoke.GRPC:
			twins = append(twins, "gRPC "+d.GRPCMethod)
		case d.Transport == invoke.HTTP:
			twins = append(twins, "HTTP "+d.HTTPMethod+" "+d.HTTPPath)
		}
	}
	switch {
	case !thrift:
		return err
	case len(twins) == 0:
		return fmt.Errorf("%s is served over Thrift only: kitbench makes Thrift calls through the service's HTTP or gRPC twin, and the service has no HTTP or gRPC endpoint of that name: %w", name, err)
	}
	return fmt.Errorf("%s is served over Thrift here: kitbench makes Thrift calls through the service's HTTP or gRPC twin; its twin is %s: %w", name, strings.Join(twins, " and "), err)
}
