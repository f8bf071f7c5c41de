package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/invoke"
)

// describeMethod prints the request and response schema of arg,
// SERVICE.METHOD, and a JSON template to fill in, for 'kitbench describe
// SERVICE.METHOD', finding and connecting as f says.
func describeMethod(ctx context.Context, stdout io.Writer, f *callFlags, arg string) error {
	if err := f.check(); err != nil {
		return err
	}
	svc, name, err := workbench.SplitMethod(arg, f.conn.Direct)
	if err != nil {
		return workbench.Exit(workbench.ExitUsage, err)
	}
	cands, err := workbench.Candidates(ctx, f.src, svc)
	if err != nil {
		return workbench.Classify(err)
	}
	out := callOutput{stdout: stdout, f: f}
	s, inst, err := out.caller().Describe(ctx, svc, cands, name)
	if (errors.Is(err, invoke.ErrNoMethod) || errors.Is(err, invoke.ErrNoService)) && f.output != "json" {
		if text, serr := workbench.Symbols(ctx, f.src, f.conn, "describe", arg); serr == nil {
			_, err = fmt.Fprint(stdout, sanitize.Text(text)) // a service, message or enum, as grpcurl describes it
			return err
		}
	}
	if err != nil {
		return workbench.Classify(err)
	}
	if f.output == "json" {
		return out.json(s)
	}
	return workbench.WriteSchema(stdout, inst.ID, s)
}
