package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// callError is an error with kitbench call's exit status (see callLong).
type callError struct {
	code int
	err  error
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// ExitCode implements exitCoder.
func (e *callError) ExitCode() int { return e.code }

func callExit(code int, err error) error { return &callError{code: code, err: err} }

func callUsage(format string, args ...any) error {
	return callExit(1, fmt.Errorf(format, args...))
}

// callClassify gives an error of the invoke package its exit status:
// 2 when nothing could be reached, 68 for an HTTP deadline (as gRPC's
// DEADLINE_EXCEEDED), 1 for anything wrong on our side.
func callClassify(err error) error {
	var ce *callError
	switch {
	case errors.As(err, &ce):
		return err
	case errors.Is(err, invoke.ErrUnreachable), errors.Is(err, invoke.ErrNoService):
		return callExit(2, err)
	case errors.Is(err, context.DeadlineExceeded):
		return callExit(64+4, err)
	}
	return callExit(1, err)
}

// resultExitCode maps a call's answer to the exit status.
func resultExitCode(r *invoke.Result) int {
	switch {
	case r.OK():
		return 0
	case r.Transport == invoke.GRPC:
		return 64 + r.Code
	case r.Code >= 300 && r.Code < 600:
		return r.Code / 100
	}
	return 1
}

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

// json prints b, indented on a terminal, with every character a terminal
// could obey escaped (sanitize.JSON).
func (o callOutput) json(b []byte) error {
	if terminal(o.stdout) {
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", "  "); err == nil {
			b = buf.Bytes()
		}
	}
	_, err := fmt.Fprintf(o.stdout, "%s\n", sanitize.JSON(b))
	return err
}

// callEnvelope is the -o json output of one call.
type callEnvelope struct {
	Service  string `json:"service"`
	Instance string `json:"instance"`
	*invoke.Result
	Error string `json:"error,omitempty"`
}

// result prints one call's result and returns the error its status means.
func (o callOutput) result(service string, inst sd.Instance, r *invoke.Result) error {
	shown := redacted(r) // what is printed about the call; the answer itself is printed as received
	var failed error
	if !r.OK() {
		msg := r.Status
		if shown.Message != "" {
			msg += ": " + sanitize.Line(shown.Message, 0)
		}
		failed = callExit(resultExitCode(r), fmt.Errorf("%s on %s: %s", strings.TrimPrefix(shown.Method, "/"), inst.ID, msg))
	}
	if o.f.output == "json" {
		env := callEnvelope{Service: service, Instance: inst.ID, Result: shown}
		if failed != nil {
			env.Error = failed.Error()
		}
		b, err := json.Marshal(env)
		if err != nil {
			return err
		}
		if err := o.json(b); err != nil {
			return err
		}
		return failed
	}
	if o.f.verbose {
		o.verbose(inst, shown)
	}
	if r.OK() && r.Body != nil {
		if err := o.json(r.Body); err != nil {
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

// headers prints h, which redacted has already redacted.
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

// redacted copies r for printing with the recorder's redaction policy —
// the one a recording of the call gets — applied to everything but
// nothing else: the URL and the method's path, the headers and trailers,
// the request and response bodies and the message.
func redacted(r *invoke.Result) *invoke.Result {
	p := recorder.DefaultPolicy()
	c := *r
	c.URL = p.URL(r.URL)
	if verb, uri, ok := strings.Cut(r.Method, " "); ok && r.Transport == invoke.HTTP {
		c.Method = verb + " " + p.URL(uri)
	}
	c.RequestHeader = p.Headers(r.RequestHeader)
	c.Header = p.Headers(r.Header)
	c.Trailer = p.Headers(r.Trailer)
	if r.RequestBody != nil {
		c.RequestBody = p.JSON(r.RequestBody)
	}
	if r.Body != nil {
		c.Body = p.JSON(r.Body)
	}
	c.Message = p.Text(r.Message)
	return &c
}

// comparison prints --all's table (or -o json's list).
func (o callOutput) comparison(service string, outs []invoke.Outcome, ref int) error {
	if o.f.output == "json" {
		type item struct {
			Instance string         `json:"instance"`
			Same     bool           `json:"same"`
			Diff     []string       `json:"diff,omitempty"`
			Error    string         `json:"error,omitempty"`
			Result   *invoke.Result `json:"result,omitempty"`
		}
		items := make([]item, len(outs))
		for i, oc := range outs {
			items[i] = item{Instance: oc.Instance, Same: oc.Same, Diff: oc.Diff}
			if oc.Err != nil {
				items[i].Error = oc.Err.Error()
			} else {
				items[i].Result = redacted(oc.Result)
			}
		}
		b, err := json.Marshal(struct {
			Service   string `json:"service"`
			Reference string `json:"reference"`
			Instances []item `json:"instances"`
		}{service, outs[ref].Instance, items})
		if err != nil {
			return err
		}
		return o.json(b)
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
		return o.json(r.Body)
	}
	return nil
}
