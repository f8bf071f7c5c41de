package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/invoke"
)

// describeMethod prints the request and response schema of SERVICE.METHOD
// and a JSON template to fill in, for 'kitbench describe SERVICE.METHOD'.
// It reads the flags it shares with call — consul, target, instance, http,
// proto, import-path, protoset, the TLS flags, connect-timeout and
// output — from cmd when cmd defines them, and uses call's defaults for
// the rest.
func describeMethod(cmd *cobra.Command, service, method string) error {
	f := callFlagsFrom(cmd.Flags())
	if err := f.check(); err != nil {
		return err
	}
	svc, name, err := workbench.SplitMethod(service+"."+method, f.target != "")
	if err != nil {
		return callExit(1, err)
	}
	ctx := cmd.Context()
	cands, err := candidates(ctx, f, svc)
	if err != nil {
		return err
	}
	s, inst, err := f.caller(callOutput{f: f}).Describe(ctx, svc, cands, name)
	if err != nil {
		return callClassify(err)
	}
	if f.output == "json" {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return callOutput{stdout: cmd.OutOrStdout(), f: f}.json(b)
	}
	return printSchema(cmd.OutOrStdout(), inst.ID, s)
}

// callFlagsFrom reads call's flags by name from fs; absent ones keep
// call's defaults.
func callFlagsFrom(fs *pflag.FlagSet) *callFlags {
	def := newCallCmd().Flags()
	get := func(name string) *pflag.Flag {
		if fl := fs.Lookup(name); fl != nil {
			return fl
		}
		return def.Lookup(name)
	}
	str := func(name string) string { return get(name).Value.String() }
	on := func(name string) bool { return str(name) == "true" }
	list := func(name string) []string {
		if sv, ok := get(name).Value.(pflag.SliceValue); ok {
			return sv.GetSlice()
		}
		return nil
	}
	f := &callFlags{
		consul: str("consul"), etcd: str("etcd"), target: str("target"), instance: str("instance"), http: on("http"),
		protos: list("proto"), importPaths: list("import-path"), protosets: list("protoset"),
		plaintext: on("plaintext"), output: str("output"),
		tls: invoke.TLS{Enabled: on("tls"), Insecure: on("insecure"), CACert: str("cacert"), Cert: str("cert"), Key: str("key")},
	}
	if d, err := fs.GetDuration("connect-timeout"); err == nil {
		f.connect = d
	} else {
		f.connect, _ = def.GetDuration("connect-timeout")
	}
	if f.output == "text" {
		f.output = ""
	}
	return f
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
