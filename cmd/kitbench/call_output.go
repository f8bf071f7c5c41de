package main

import (
	"fmt"
	"io"
	"os"

	"github.com/charmbracelet/x/term"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// callOutput prints results for people (default, -v) or scripts (-o json).
type callOutput struct {
	stdout, stderr io.Writer
	f              *callFlags
}

// spinner shows msg with a spinner on w while an operation runs, when w
// is a terminal (workbench.Spinner).
func spinner(w io.Writer, msg string) (stop func()) { return workbench.Spinner(w, msg, terminal(w)) }

// terminal reports whether w is a terminal (then JSON is indented).
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

func (o callOutput) note(format string, args ...any) {
	if o.f.verbose {
		fmt.Fprintf(o.stderr, "kitbench: %s\n", sanitize.Line(fmt.Sprintf(format, args...), 0))
	}
}

// json prints v as JSON (raw).
func (o callOutput) json(v any) error { return workbench.WriteValue(o.stdout, v, terminal(o.stdout)) }

// raw prints b, indented on a terminal, with every character a terminal
// could obey escaped (sanitize.JSON).
func (o callOutput) raw(b []byte) error { return workbench.WriteJSON(o.stdout, b, terminal(o.stdout)) }

// result prints one call's result and returns the error its status means.
func (o callOutput) result(service string, inst sd.Instance, r *invoke.Result) error {
	env, failed := workbench.NewEnvelope(service, inst, r) // what is printed about the call, redacted
	if o.f.output == "json" {
		if err := o.json(env); err != nil {
			return err
		}
		return failed
	}
	if o.f.verbose {
		workbench.WriteVerbose(o.stderr, inst, env.Result)
	}
	if r.OK() && r.Body != nil && r.Stream == nil { // a stream's were printed as they came
		if err := o.raw(r.Body); err != nil { // the answer itself, as received
			return err
		}
	}
	return failed
}

// comparison prints --all's table (or -o json's list).
func (o callOutput) comparison(service string, outs []invoke.Outcome, ref int) error {
	if o.f.output == "json" {
		return o.json(workbench.NewComparison(service, outs, ref))
	}
	if err := workbench.WriteComparison(o.stdout, outs, ref); err != nil {
		return err
	}
	if r := outs[ref].Result; r != nil && r.Body != nil && o.f.verbose {
		return o.raw(r.Body)
	}
	return nil
}
