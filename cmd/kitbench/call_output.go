package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

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
func (o callOutput) json(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return o.raw(b)
}

// raw prints b, indented on a terminal, with every character a terminal
// could obey escaped (sanitize.JSON).
func (o callOutput) raw(b []byte) error {
	if terminal(o.stdout) {
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "  "); err == nil {
			b = buf.Bytes()
		}
	}
	_, err := fmt.Fprintf(o.stdout, "%s\n", sanitize.JSON(b))
	return err
}

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
		o.verbose(inst, env.Result)
	}
	if r.OK() && r.Body != nil {
		if err := o.raw(r.Body); err != nil { // the answer itself, as received
			return err
		}
	}
	return failed
}

func (o callOutput) verbose(inst sd.Instance, r *invoke.Result) {
	w := o.stderr
	fmt.Fprintf(w, "instance  %s (%s, %s)\n", sanitize.Line(inst.ID, 0), sanitize.Line(r.Target, 0), r.Transport)
	fmt.Fprintf(w, "method    %s\n", sanitize.Line(r.Method, 0))
	fmt.Fprintf(w, "status    %s\n", sanitize.Line(r.Status, 0))
	if r.Message != "" {
		fmt.Fprintf(w, "message   %s\n", sanitize.Line(r.Message, 0))
	}
	fmt.Fprintf(w, "duration  %s\n", r.Duration.Round(time.Microsecond))
	fmt.Fprintf(w, "trace id  %s\n", sanitize.Line(r.TraceID, 0))
	headers(w, "> ", r.RequestHeader)
	headers(w, "< ", r.Header)
	if len(r.Trailer) > 0 {
		fmt.Fprintln(w, "trailers:")
		headers(w, "< ", r.Trailer)
	}
}

// headers prints h, which workbench.Redacted has already redacted.
func headers(w io.Writer, prefix string, h map[string][]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, sanitize.Line(k, 0), sanitize.Line(v, 0))
		}
	}
}

// comparison prints --all's table (or -o json's list).
func (o callOutput) comparison(service string, outs []invoke.Outcome, ref int) error {
	if o.f.output == "json" {
		return o.json(workbench.NewComparison(service, outs, ref))
	}
	tw := tabwriter.NewWriter(o.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tSTATUS\tLATENCY\tANSWER")
	for i, oc := range outs {
		status, latency := "-", "-"
		if oc.Result != nil {
			status, latency = sanitize.Line(oc.Result.Status, 0), oc.Result.Duration.Round(10*time.Microsecond).String()
		}
		answer := "same"
		switch {
		case i == ref:
			answer = "reference"
		case !oc.Same:
			answer = "differs: " + sanitize.Line(strings.Join(oc.Diff, "; "), 0)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sanitize.Line(oc.Instance, 0), status, latency, answer)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r := outs[ref].Result; r != nil && r.Body != nil && o.f.verbose {
		return o.raw(r.Body)
	}
	return nil
}
