package main

import (
	"context"
	"io"

	"github.com/kitbench/kitbench/internal/workbench"
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
	if err != nil {
		return workbench.Classify(err)
	}
	if f.output == "json" {
		return out.json(s)
	}
	return workbench.WriteSchema(stdout, inst.ID, s)
}
