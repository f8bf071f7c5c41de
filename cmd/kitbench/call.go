package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
)

func init() { subcommands = append(subcommands, newCallCmd) }

// callFlags are kitbench call's flags, bound to the workbench's options.
type callFlags struct {
	src  workbench.Source         // --consul, --etcd, --target, --instance, --connect-timeout
	conn workbench.ConnectOptions // --http, the TLS and descriptor flags
	in   workbench.Input          // -d, -H, -p, --timeout

	all, plaintext, verbose, printGRPC, printCurl, wireJSON bool
	output, record                                          string
}

func newCallCmd() *cobra.Command {
	var f callFlags
	cmd := &cobra.Command{
		Use:     "call SERVICE.METHOD [-d JSON | -d @file | -d @-] | list [SERVICE] | describe [SYMBOL]",
		Short:   "Call a method of a discovered service over gRPC or HTTP and print the JSON response",
		Long:    help("call"),
		Example: help("call.examples"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCall(cmd, &f, args)
		},
		ValidArgsFunction: completeServiceMethod(true),
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.in.Data, "data", "d", "", "request JSON: inline, @file, or @- for stdin (empty: {})")
	fl.StringArrayVarP(&f.in.Headers, "header", "H", nil, "header or metadata 'name: value' (repeatable; ${VAR} reads the environment)")
	fl.StringArrayVarP(&f.in.PathParams, "path-param", "p", nil, "HTTP path parameter name=value (repeatable; default: the body field)")
	fl.DurationVar(&f.in.Timeout, "timeout", 30*time.Second, "deadline of the call (0: none; a stream has none unless given)")
	fl.IntVar(&f.in.MaxMessages, "max-messages", 0, "end a stream after this many server messages, as a success (0: no limit)")
	fl.DurationVar(&f.in.MaxTime, "max-time", 0, "end a stream after this long, as a success (0: no limit)")
	fl.DurationVar(&f.src.Timeout, "connect-timeout", 5*time.Second, "time to find the service and connect")
	fl.BoolVar(&f.conn.HTTP, "http", false, "call over HTTP/JSON even when the instance offers gRPC")
	fl.BoolVar(&f.all, "all", false, "call every instance and compare status, latency and response")
	fl.StringVar(&f.src.Instance, "instance", "", "call this instance (ID or address) instead of round robin")
	fl.StringVar(&f.src.Consul, "consul", "", "registry address (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	fl.StringVar(&f.src.Etcd, "etcd", "", etcdFlagHelp)
	fl.StringVar(&f.src.Target, "target", "", "call this host:port directly, with no registry (a gRPC server, or a kit admin listener)")
	fl.StringArrayVar(&f.conn.ProtoFiles, "proto", nil, "read descriptors from this .proto file instead of server reflection (repeatable)")
	fl.StringArrayVarP(&f.conn.ImportPaths, "import-path", "I", nil, "directory to find .proto imports in (repeatable)")
	fl.StringArrayVar(&f.conn.Protosets, "protoset", nil, "read descriptors from this FileDescriptorSet file (repeatable)")
	fl.BoolVar(&f.plaintext, "plaintext", false, "no TLS (the default unless a TLS flag is given)")
	fl.BoolVar(&f.conn.TLS.Enabled, "tls", false, "use TLS, verifying the server with the system roots")
	fl.BoolVar(&f.conn.TLS.Insecure, "insecure", false, "use TLS without verifying the server's certificate")
	fl.StringVar(&f.conn.TLS.CACert, "cacert", "", "PEM file of CAs to verify the server with (implies --tls)")
	fl.StringVar(&f.conn.TLS.Cert, "cert", "", "PEM client certificate for mutual TLS (with --key)")
	fl.StringVar(&f.conn.TLS.Key, "key", "", "PEM private key of --cert")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "also print instance, status, duration, trace id, headers and trailers (stderr)")
	fl.StringVarP(&f.output, "output", "o", "", "json: print one machine-readable envelope instead of the bare response")
	fl.BoolVar(&f.printGRPC, "print-grpcurl", false, "print the equivalent grpcurl command instead of calling")
	fl.BoolVar(&f.printCurl, "print-curl", false, "print the equivalent curl command instead of calling (implies --http)")
	fl.StringVar(&f.record, "record", "", "append the exchange to this session file (.kitrec)")
	fl.BoolVar(&f.wireJSON, "wire-json", false, "print gRPC answers with proto3 JSON's lowerCamelCase names (createTime), as grpcurl does, not the .proto names (create_time)")
	return cmd
}

// check rejects contradictory flags (exit 1) and completes the options
// they imply.
func (f *callFlags) check() error {
	if err := (workbench.CallChecks{Output: f.output, Plaintext: f.plaintext, All: f.all, PrintGRPC: f.printGRPC,
		PrintCurl: f.printCurl, Source: f.src, Conn: f.conn, Input: f.in}).Check(); err != nil {
		return err
	}
	f.conn.HTTP, f.in.PrintOnly = f.conn.HTTP || f.printCurl, f.printGRPC || f.printCurl
	f.conn.Direct, f.conn.Timeout = f.src.Target != "", f.src.Timeout
	return nil
}

func runCall(cmd *cobra.Command, f *callFlags, args []string) error {
	ca, err := workbench.ParseCallArgs(args)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.in.All = f.all; cmd.Flags().Changed("timeout") {
		f.in.StreamTimeout = f.in.Timeout
	}
	if ca.Verb != "" { // grpcurl's list and describe, as grpcurl prints them
		return workbench.Classify(workbench.WriteSymbols(cmd.Context(), cmd.OutOrStdout(), f.src, f.conn, ca))
	}
	service, method, err := workbench.SplitMethod(ca.Name, f.conn.Direct)
	if err != nil {
		return workbench.Exit(workbench.ExitUsage, err)
	}
	req, err := f.in.Request(method, cmd.InOrStdin(), os.LookupEnv)
	if err != nil {
		return workbench.Exit(workbench.ExitUsage, err)
	}
	var rec *workbench.Recording // nil records nothing
	if f.record != "" {
		if rec, err = workbench.AppendTo(f.record, "kitbench call"); err != nil {
			return workbench.Exitf(workbench.ExitUsage, "--record %s: %w", f.record, err)
		}
		defer rec.Close()
	}
	ctx := cmd.Context()
	cands, err := workbench.Candidates(ctx, f.src, service)
	if err != nil {
		return workbench.Classify(err)
	}
	out := callOutput{stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr(), f: f}
	if f.all {
		return callAll(ctx, out, rec, service, cands, req)
	}
	return callOne(ctx, out, rec, service, cands, req)
}
