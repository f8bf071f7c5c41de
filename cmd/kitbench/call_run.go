package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// source is where the flags say the service's instances are.
func (f *callFlags) source() workbench.Source {
	return workbench.Source{Consul: f.consul, Etcd: f.etcd, Target: f.target, Instance: f.instance, Timeout: f.connect}
}

// caller calls as the flags say; skipped instances are noted with -v.
func (f *callFlags) caller(out callOutput) *workbench.Caller {
	return workbench.NewCaller(workbench.CallerOptions{
		Connect: workbench.ConnectOptions{HTTP: f.http, Direct: f.target != "", Timeout: f.connect, TLS: f.tls,
			ProtoFiles: f.protos, ImportPaths: f.importPaths, Protosets: f.protosets},
		Skipped: func(inst sd.Instance, err error) { out.note("skipping %s: %v", inst.ID, err) },
	})
}

// candidates finds the instances to call (exit 2 when there are none).
func candidates(ctx context.Context, f *callFlags, service string) ([]sd.Instance, error) {
	cands, err := workbench.Candidates(ctx, f.source(), service)
	if errors.Is(err, workbench.ErrNoCandidates) {
		return nil, callExit(2, err)
	}
	return cands, classify(err)
}

// classify is callClassify that keeps nil.
func classify(err error) error {
	if err == nil {
		return nil
	}
	return callClassify(err)
}

// callOne calls the first reachable instance of cands, or prints the
// command that would (--print-*).
func callOne(ctx context.Context, f *callFlags, out callOutput, rec *workbench.Recording, service string, cands []sd.Instance, req invoke.Request) error {
	c := f.caller(out)
	if f.printGRPC || f.printCurl {
		return classify(c.With(ctx, service, cands, func(_ sd.Instance, inv invoke.Invoker) error {
			return printCommand(ctx, out, inv, req, f.headers)
		}))
	}
	call, err := c.Call(ctx, service, cands, req)
	if err != nil {
		return callClassify(err)
	}
	if err := rec.Record(call); err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	return out.result(service, call.Instance, call.Result)
}

// callAll calls every instance and compares the answers.
func callAll(ctx context.Context, f *callFlags, out callOutput, rec *workbench.Recording, service string, cands []sd.Instance, req invoke.Request) error {
	outs, calls, ref, err := f.caller(out).All(ctx, service, cands, req)
	if err != nil {
		return callClassify(err) // the request itself is wrong: say so once
	}
	for _, c := range calls {
		if err := rec.Record(c); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
	}
	if err := out.comparison(service, outs, ref); err != nil {
		return err
	}
	differ := 0
	for _, o := range outs {
		if !o.Same {
			differ++
		}
	}
	switch {
	case len(calls) == 0:
		return callExit(2, fmt.Errorf("no instance of %s is reachable", service))
	case differ > 0:
		return callExit(6, fmt.Errorf("%d of %d instances of %s answered differently", differ, len(outs), service))
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
		return err
	}
	_, err = fmt.Fprintln(out.stdout, sanitize.Text(line))
	return err
}
