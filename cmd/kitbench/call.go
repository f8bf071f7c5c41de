package main

import (
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/invoke"
)

func init() { subcommands = append(subcommands, newCallCmd) }

// callFlags are kitbench call's flags; describeMethod reads the ones it
// shares by name from whatever command runs it.
type callFlags struct {
	data        string
	headers     []string
	pathParams  []string
	timeout     time.Duration
	connect     time.Duration
	http        bool
	all         bool
	instance    string
	consul      string
	etcd        string
	target      string
	protos      []string
	importPaths []string
	protosets   []string
	plaintext   bool
	tls         invoke.TLS
	verbose     bool
	output      string
	printGRPC   bool
	printCurl   bool
	record      string
}

func newCallCmd() *cobra.Command {
	var f callFlags
	cmd := &cobra.Command{
		Use:     "call SERVICE.METHOD [-d JSON | -d @file | -d @-]",
		Short:   "Call a method of a discovered service over gRPC or HTTP and print the JSON response",
		Long:    help("call"),
		Example: help("call.examples"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCall(cmd, &f, args[0])
		},
		ValidArgsFunction: completeServiceMethod(true),
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.data, "data", "d", "", "request JSON: inline, @file, or @- for stdin (empty: {})")
	fl.StringArrayVarP(&f.headers, "header", "H", nil, "header or metadata 'name: value' (repeatable; ${VAR} reads the environment)")
	fl.StringArrayVarP(&f.pathParams, "path-param", "p", nil, "HTTP path parameter name=value (repeatable; default: the body field)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "deadline of the call (0: none)")
	fl.DurationVar(&f.connect, "connect-timeout", 5*time.Second, "time to find the service and connect")
	fl.BoolVar(&f.http, "http", false, "call over HTTP/JSON even when the instance offers gRPC")
	fl.BoolVar(&f.all, "all", false, "call every instance and compare status, latency and response")
	fl.StringVar(&f.instance, "instance", "", "call this instance (ID or address) instead of round robin")
	addSourceFlags(fl, &f)
	fl.StringArrayVar(&f.protos, "proto", nil, "read descriptors from this .proto file instead of server reflection (repeatable)")
	fl.StringArrayVarP(&f.importPaths, "import-path", "I", nil, "directory to find .proto imports in (repeatable)")
	fl.StringArrayVar(&f.protosets, "protoset", nil, "read descriptors from this FileDescriptorSet file (repeatable)")
	fl.BoolVar(&f.plaintext, "plaintext", false, "no TLS (the default unless a TLS flag is given)")
	fl.BoolVar(&f.tls.Enabled, "tls", false, "use TLS, verifying the server with the system roots")
	fl.BoolVar(&f.tls.Insecure, "insecure", false, "use TLS without verifying the server's certificate")
	fl.StringVar(&f.tls.CACert, "cacert", "", "PEM file of CAs to verify the server with (implies --tls)")
	fl.StringVar(&f.tls.Cert, "cert", "", "PEM client certificate for mutual TLS (with --key)")
	fl.StringVar(&f.tls.Key, "key", "", "PEM private key of --cert")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "also print instance, status, duration, trace id, headers and trailers (stderr)")
	fl.StringVarP(&f.output, "output", "o", "", "json: print one machine-readable envelope instead of the bare response")
	fl.BoolVar(&f.printGRPC, "print-grpcurl", false, "print the equivalent grpcurl command instead of calling")
	fl.BoolVar(&f.printCurl, "print-curl", false, "print the equivalent curl command instead of calling (implies --http)")
	fl.StringVar(&f.record, "record", "", "append the exchange to this session file (.kitrec)")
	return cmd
}

// addSourceFlags adds the discovery flags shared with list and describe.
func addSourceFlags(fl *pflag.FlagSet, f *callFlags) {
	fl.StringVar(&f.consul, "consul", "", "registry address (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	fl.StringVar(&f.etcd, "etcd", "", etcdFlagHelp)
	fl.StringVar(&f.target, "target", "", "call this host:port directly, with no registry (a gRPC server, or a kit admin listener)")
}

// check rejects contradictory flags (exit 1).
func (f *callFlags) check() error {
	switch {
	case f.output != "" && f.output != "json":
		return callUsage("-o %q: the only format is json", f.output)
	case f.plaintext && f.tls.On():
		return callUsage("--plaintext contradicts --tls, --insecure, --cacert and --cert")
	case f.etcd != "" && f.consul != "":
		return callUsage("--etcd and --consul name different registries: give one")
	case f.printGRPC && f.printCurl:
		return callUsage("--print-grpcurl and --print-curl: choose one")
	case f.printGRPC && f.http:
		return callUsage("--print-grpcurl prints a gRPC call; drop --http or use --print-curl")
	case f.all && f.instance != "":
		return callUsage("--all calls every instance; drop --instance")
	case f.all && (f.printGRPC || f.printCurl):
		return callUsage("--print-* prints one call; drop --all")
	case f.timeout < 0 || f.connect <= 0:
		return callUsage("--timeout and --connect-timeout must be positive")
	}
	if f.printCurl {
		f.http = true
	}
	return nil
}

func runCall(cmd *cobra.Command, f *callFlags, arg string) error {
	if err := f.check(); err != nil {
		return err
	}
	service, method, err := workbench.SplitMethod(arg, f.target != "")
	if err != nil {
		return callExit(1, err)
	}
	in := workbench.Input{Data: f.data, Headers: f.headers, PathParams: f.pathParams, Timeout: f.timeout}
	req, err := in.Request(method, cmd.InOrStdin(), os.LookupEnv)
	if err != nil {
		return callExit(1, err)
	}
	rec, err := openCallRecorder(f.record)
	if err != nil {
		return err
	}
	defer rec.Close()
	ctx := cmd.Context()
	cands, err := candidates(ctx, f, service)
	if err != nil {
		return err
	}
	out := callOutput{stdout: cmd.OutOrStdout(), stderr: cmd.ErrOrStderr(), f: f}
	if f.all {
		return callAll(ctx, f, out, rec, service, cands, req)
	}
	return callOne(ctx, f, out, rec, service, cands, req)
}
