package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/probes/invoke"
)

// resolveInstances finds the instances to call, in the order to try them:
// healthy ones first, round robin from a random start (so repeated calls
// spread over the fleet), then the others. With --target there is one
// instance, the address itself.
func resolveInstances(ctx context.Context, f *callFlags, service string) ([]sd.Instance, error) {
	if f.target != "" {
		if _, _, err := net.SplitHostPort(f.target); err != nil {
			return nil, callUsage("--target %q: want host:port", f.target)
		}
		return []sd.Instance{{ID: f.target, Service: service, Address: f.target, Health: sd.HealthPassing}}, nil
	}
	lctx, cancel := context.WithTimeout(ctx, f.connect)
	defer cancel()
	snap, err := discovery.List(lctx, discovery.Options{Consul: f.consul, Etcd: f.etcd})
	if err != nil {
		return nil, callExit(2, fmt.Errorf("%w (start one with 'kitbench registry' or 'kitbench demo', or use --consul ADDR or --target ADDR)", err))
	}
	svc, ok := snap.Service(service)
	if !ok {
		names := make([]string, 0, len(snap.Services))
		for _, s := range snap.Services {
			names = append(names, s.Name)
		}
		return nil, callExit(2, invoke.NotFound(invoke.ErrNoService, service, "the registry ("+snap.Source+")", names))
	}
	if len(svc.Instances) == 0 {
		return nil, callExit(2, fmt.Errorf("service %q has no instances in the registry (%s)", service, snap.Source))
	}
	if f.instance != "" {
		var ids []string
		for _, in := range svc.Instances {
			if in.ID == f.instance || in.Address == f.instance || in.Meta[sd.MetaGRPC] == f.instance || in.Meta[sd.MetaHTTP] == f.instance {
				return []sd.Instance{in}, nil
			}
			ids = append(ids, in.ID)
		}
		return nil, callExit(2, invoke.NotFound(errors.New("no such instance"), f.instance, "service "+service, ids))
	}
	var healthy, rest []sd.Instance
	for _, in := range svc.Instances {
		if in.Health == sd.HealthPassing {
			healthy = append(healthy, in)
		} else {
			rest = append(rest, in)
		}
	}
	if len(healthy) > 1 {
		k := rand.IntN(len(healthy))
		healthy = append(healthy[k:], healthy[:k]...)
	}
	return append(healthy, rest...), nil
}

// connect opens an invoker to one instance: gRPC when it offers it (and
// --http is not given), else HTTP with the routes of its introspection
// info.
func connect(ctx context.Context, f *callFlags, inst sd.Instance) (invoke.Invoker, error) {
	ctx, cancel := context.WithTimeout(ctx, f.connect)
	defer cancel()
	target := f.target != ""
	gopts := invoke.GRPCOptions{TLS: f.tls, ProtoFiles: f.protos, ImportPaths: f.importPaths, Protosets: f.protosets}
	if !f.http {
		addr := inst.Meta[sd.MetaGRPC]
		if target {
			addr = inst.Address
		}
		if addr != "" {
			g, err := invoke.DialGRPC(ctx, addr, gopts)
			if err == nil || !target || !errors.Is(err, invoke.ErrUnreachable) {
				return g, err
			}
			// --target may name a kit admin listener: ask it where gRPC is.
			info, ierr := adminInfo(ctx, "http://"+inst.Address)
			if ierr != nil {
				return nil, err
			}
			if a := transportAddr(info, invoke.GRPC); a != "" {
				return invoke.DialGRPC(ctx, a, gopts)
			}
			return httpInvoker(f, inst, info)
		}
		if inst.Meta[sd.MetaHTTP] == "" {
			if a := inst.Meta[sd.MetaThrift]; a != "" {
				return nil, fmt.Errorf("instance %s serves Thrift only (%s %s): kitbench makes Thrift calls through the service's HTTP or gRPC twin, and this instance publishes neither (%s, %s)", inst.ID, sd.MetaThrift, a, sd.MetaGRPC, sd.MetaHTTP)
			}
			return nil, fmt.Errorf("instance %s publishes no gRPC (%s) or HTTP (%s) address", inst.ID, sd.MetaGRPC, sd.MetaHTTP)
		}
	}
	admin := inst.Meta[sd.MetaAdmin]
	if target {
		admin = "http://" + inst.Address
	}
	if admin == "" {
		return nil, fmt.Errorf("instance %s publishes no admin listener (%s), so its HTTP routes are unknown: call it over gRPC", inst.ID, sd.MetaAdmin)
	}
	info, err := adminInfo(ctx, admin)
	if err != nil {
		if target {
			return nil, fmt.Errorf("%w: --http with --target needs a kit admin listener there: %w", invoke.ErrUnreachable, err)
		}
		return nil, fmt.Errorf("%w: the route table of %s: %w", invoke.ErrUnreachable, inst.ID, err)
	}
	return httpInvoker(f, inst, info)
}

func httpInvoker(f *callFlags, inst sd.Instance, info wire.Info) (invoke.Invoker, error) {
	addr := inst.Meta[sd.MetaHTTP]
	if addr == "" {
		addr = transportAddr(info, invoke.HTTP)
	}
	if addr == "" {
		return nil, fmt.Errorf("instance %s serves no HTTP transport", inst.ID)
	}
	return invoke.NewHTTP(addr, info.Endpoints, invoke.HTTPOptions{TLS: f.tls})
}

// adminInfo reads /debug/kit/v1/info from an admin listener.
func adminInfo(ctx context.Context, admin string) (wire.Info, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := introspect.New(admin, introspect.Options{Token: adminToken(ctx), HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		return wire.Info{}, err
	}
	return c.Info(ctx)
}

func transportAddr(info wire.Info, name string) string {
	for _, t := range info.Transports {
		if t.Name == name {
			return t.Addr
		}
	}
	return ""
}

// callOne calls the first reachable instance of cands.
func callOne(ctx context.Context, f *callFlags, out callOutput, rec callRecorder, service string, cands []sd.Instance, req invoke.Request) error {
	var failures []string
	for _, inst := range cands {
		inv, err := connect(ctx, f, inst)
		if errors.Is(err, invoke.ErrUnreachable) {
			failures = append(failures, err.Error())
			out.note("skipping %s: %v", inst.ID, err)
			continue
		}
		if err != nil {
			return callClassify(err)
		}
		defer inv.Close()
		if f.printGRPC || f.printCurl {
			return printCommand(ctx, out, inv, req, f.headers)
		}
		res, err := inv.Invoke(ctx, req)
		if err != nil {
			return callClassify(thriftOnly(ctx, inst, req.Method, err))
		}
		if err := rec.Record(service, inst.ID, res); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
		return out.result(service, inst, res)
	}
	if len(cands) == 1 {
		return callExit(2, errors.New(failures[0]))
	}
	return callExit(2, fmt.Errorf("no instance of %s is reachable: %s", service, strings.Join(failures, "; ")))
}

// callAll calls every instance and compares the answers.
func callAll(ctx context.Context, f *callFlags, out callOutput, rec callRecorder, service string, cands []sd.Instance, req invoke.Request) error {
	slices.SortFunc(cands, func(a, b sd.Instance) int { return strings.Compare(a.ID, b.ID) })
	outs := make([]invoke.Outcome, len(cands))
	reached := 0
	for i, inst := range cands {
		outs[i].Instance = inst.ID
		inv, err := connect(ctx, f, inst)
		if err == nil {
			outs[i].Result, err = inv.Invoke(ctx, req)
			inv.Close()
		}
		if err != nil && !errors.Is(err, invoke.ErrUnreachable) && !errors.Is(err, context.DeadlineExceeded) {
			return callClassify(err) // the request itself is wrong: say so once
		}
		outs[i].Err = err
		if err == nil {
			reached++
			if rerr := rec.Record(service, inst.ID, outs[i].Result); rerr != nil {
				return fmt.Errorf("--record: %w", rerr)
			}
		}
	}
	ref := invoke.Compare(outs)
	if err := out.comparison(service, outs, ref); err != nil {
		return err
	}
	switch {
	case reached == 0:
		return callExit(2, fmt.Errorf("no instance of %s is reachable", service))
	case slices.ContainsFunc(outs, func(o invoke.Outcome) bool { return !o.Same }):
		n := 0
		for _, o := range outs {
			if !o.Same {
				n++
			}
		}
		return callExit(6, fmt.Errorf("%d of %d instances of %s answered differently", n, len(outs), service))
	}
	if r := outs[ref].Result; !r.OK() {
		return callExit(resultExitCode(r), fmt.Errorf("every instance of %s answered %s: %s", service, r.Status, r.Message))
	}
	return nil
}

func printCommand(ctx context.Context, out callOutput, inv invoke.Invoker, req invoke.Request, headers []string) error {
	var line string
	var err error
	switch c := inv.(type) {
	case *invoke.GRPCClient:
		line, err = c.Command(ctx, req, headers)
	case *invoke.HTTPClient:
		line, err = c.Command(req, headers)
	}
	if err != nil {
		return callClassify(err)
	}
	_, err = fmt.Fprintln(out.stdout, line)
	return err
}

// thriftOnly explains a method that err says the instance lacks when its
// introspection info lists it over Thrift: kitbench does not speak Thrift,
// it calls the service's HTTP or gRPC twin, which it names. Any other err is
// returned as it is.
func thriftOnly(ctx context.Context, inst sd.Instance, method string, err error) error {
	admin := inst.Meta[sd.MetaAdmin]
	if !errors.Is(err, invoke.ErrNoMethod) || admin == "" {
		return err
	}
	info, ierr := adminInfo(ctx, admin)
	if ierr != nil {
		return err
	}
	name := method[strings.LastIndexAny(method, "./")+1:]
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
	twin := "the service has no HTTP or gRPC endpoint of that name"
	if len(twins) > 0 {
		twin = "its twin is " + strings.Join(twins, " and ")
	}
	switch {
	case !thrift:
		return err
	case len(twins) == 0:
		return fmt.Errorf("%s is served over Thrift only: kitbench makes Thrift calls through the service's HTTP or gRPC twin, and %s: %w", name, twin, err)
	}
	return fmt.Errorf("%s is served over Thrift here: kitbench makes Thrift calls through the service's HTTP or gRPC twin; %s: %w", name, twin, err)
}
