package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
	if err != nil {
		return workbench.Classify(err)
	}
	if f.output == "json" {
		return out.json(s)
	}
	return printSchema(stdout, inst.ID, s)
}

// printSchema prints a method's schema for people; every name in it comes
// from the instance, so each goes through sanitize.
func printSchema(w io.Writer, instance string, s *invoke.Schema) error {
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
