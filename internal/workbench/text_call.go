package workbench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// WriteVerbose writes `kitbench call -v`'s account of inst's answer r:
// instance, method, status, message, reason, duration, trace id, then the
// request's headers ("> "), the answer's ("< ") and its trailers. Give it
// the answer as it is printed (Redacted); every field is sanitized.
func WriteVerbose(w io.Writer, inst sd.Instance, r *invoke.Result) {
	fmt.Fprintf(w, "instance  %s (%s, %s)\n", sanitize.Line(inst.ID, 0), sanitize.Line(r.Target, 0), r.Transport)
	fmt.Fprintf(w, "method    %s\n", sanitize.Line(r.Method, 0))
	fmt.Fprintf(w, "status    %s\n", sanitize.Line(r.Status, 0))
	if r.Message != "" {
		fmt.Fprintf(w, "message   %s\n", sanitize.Line(r.Message, 0))
	}
	if r.Reason != "" {
		fmt.Fprintf(w, "reason    %s\n", sanitize.Line(r.Reason, 0))
	}
	fmt.Fprintf(w, "duration  %s\n", r.Duration.Round(time.Microsecond))
	if s := r.Stream; s != nil {
		fmt.Fprintf(w, "stream    %s, %d sent, %d received", s.Kind, s.Sent, s.Received)
		if s.Stopped != "" {
			fmt.Fprintf(w, ", stopped at %s", s.Stopped)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "trace id  %s\n", sanitize.Line(r.TraceID, 0))
	headers(w, "> ", r.RequestHeader)
	headers(w, "< ", r.Header)
	if len(r.Trailer) > 0 {
		fmt.Fprintln(w, "trailers:")
		headers(w, "< ", r.Trailer)
	}
}

// headers writes h sorted by name, a line for each value.
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

// WriteComparison writes `kitbench call --all`'s table: each instance's
// status, latency and whether its answer is the reference (outs[ref]),
// the same, or how it differs.
func WriteComparison(w io.Writer, outs []invoke.Outcome, ref int) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
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
	return tw.Flush()
}

// WriteSchema writes a method's schema for people, as `kitbench describe
// SERVICE.METHOD` prints it: the request's and the response's fields, a
// JSON template and the proto text. Every name in it comes from the
// instance, so each is sanitized.
func WriteSchema(w io.Writer, instance string, s *invoke.Schema) error {
	line := func(s string) string { return sanitize.Line(s, 0) }
	fmt.Fprintf(w, "%s  (%s, from %s)\n", line(s.Method), line(s.Transport), line(instance))
	if len(s.PathParams) > 0 {
		fmt.Fprintf(w, "path parameters: %s (from -p NAME=VALUE or the body)\n", line(strings.Join(s.PathParams, ", ")))
	}
	fmt.Fprintf(w, "\nrequest %s\n", line(s.Request.Name))
	printFields(w, s.Request.Fields, "  ")
	if s.Response != nil {
		fmt.Fprintf(w, "\nresponse %s\n", line(s.Response.Name))
		printFields(w, s.Response.Fields, "  ")
	} else {
		fmt.Fprintln(w, "\nresponse: not published (HTTP routes carry no schema; the fields above come from the endpoint's example)")
	}
	var tmpl bytes.Buffer
	if err := json.Indent(&tmpl, s.Template, "", "  "); err != nil {
		tmpl.Write(s.Template)
	}
	fmt.Fprintf(w, "\ntemplate (kitbench call ... -d @file):\n%s\n", sanitize.Text(string(sanitize.JSON(tmpl.Bytes()))))
	if s.Text != "" {
		fmt.Fprintf(w, "\nproto:\n%s\n", sanitize.Text(s.Text))
	}
	return nil
}

func printFields(w io.Writer, fields []invoke.Field, indent string) {
	if len(fields) == 0 {
		fmt.Fprintf(w, "%s(no fields)\n", indent)
		return
	}
	width := 0
	for _, f := range fields {
		width = max(width, len(sanitize.Line(f.Name, 0)))
	}
	for _, f := range fields {
		fmt.Fprintf(w, "%s%-*s  %s\n", indent, width, sanitize.Line(f.Name, 0), sanitize.Line(f.Type, 0))
		if len(f.Fields) > 0 {
			printFields(w, f.Fields, indent+"  ")
		}
	}
}
