package main

import (
	"context"
	"fmt"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// caller calls as the flags say; skipped instances are noted with -v.
func (o callOutput) caller() *workbench.Caller {
	return workbench.NewCaller(workbench.CallerOptions{
		Connect:  o.f.conn,
		Skipped:  func(inst sd.Instance, err error) { o.note("skipping %s: %v", inst.ID, err) },
		WireJSON: o.f.wireJSON,
		Record:   o.f.record != "",
	})
}

// callOne calls the first reachable instance of cands, or prints the
// command that would (--print-*).
func callOne(ctx context.Context, out callOutput, rec *workbench.Recording, service string, cands []sd.Instance, req invoke.Request) error {
	c := out.caller()
	if out.f.printGRPC || out.f.printCurl {
		return workbench.Classify(c.With(ctx, service, cands, func(_ sd.Instance, inv invoke.Invoker) error {
			line, err := workbench.Command(ctx, inv, req, out.f.in.Headers)
			if err == nil {
				_, err = fmt.Fprintln(out.stdout, sanitize.Text(line))
			}
			return err
		}))
	}
	req.Stream.OnReceive = workbench.StreamWriter{W: out.stdout, Envelope: out.f.output == "json", Indent: terminal(out.stdout)}.Receive
	call, err := c.Call(ctx, service, cands, req)
	if err != nil {
		return workbench.Classify(err)
	}
	if err := rec.Record(call); err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	return workbench.StreamInterrupted(ctx, call.Result, out.result(service, call.Instance, call.Result))
}

// callAll calls every instance and compares the answers.
func callAll(ctx context.Context, out callOutput, rec *workbench.Recording, service string, cands []sd.Instance, req invoke.Request) error {
	outs, calls, ref, err := out.caller().All(ctx, service, cands, req)
	if err != nil {
		return workbench.Classify(err) // the request itself is wrong: say so once
	}
	for _, c := range calls {
		if err := rec.Record(c); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
	}
	if err := out.comparison(service, outs, ref); err != nil {
		return err
	}
	return workbench.CompareError(service, outs, len(calls), ref)
}
