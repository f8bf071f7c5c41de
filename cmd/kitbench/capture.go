package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
)

func init() { subcommands = append(subcommands, newCaptureCmd) }

func newCaptureCmd() *cobra.Command {
	var (
		o     workbench.CaptureOptions
		since time.Duration
		out   string
	)
	cmd := &cobra.Command{
		Use:     "capture SERVICE[/INSTANCE] -o FILE.kitrec",
		Short:   "Pull the recent exchanges that instances keep into one session file",
		Long:    help("capture"),
		Example: help("capture.examples"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return workbench.Exitf(workbench.ExitUsage, "-o FILE.kitrec: say where to write the session")
			}
			service, inst, _ := strings.Cut(args[0], "/")
			o.Source.Instance, o.Query.Since = inst, workbench.Since(since, time.Now())
			res, err := workbench.Capture(cmd.Context(), service, out, o)
			if res != nil {
				_ = res.WriteText(cmd.OutOrStdout())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "the session file to write (mode 0600; replaced if it exists)")
	f.DurationVar(&since, "since", 0, "only exchanges that started within this long, e.g. 5m (default: all the rings hold)")
	f.BoolVar(&o.Query.Failed, "failed", false, "only failures: status 500 and above, or the gRPC codes kit maps to them")
	f.StringVar(&o.Query.Trace, "trace", "", "only the exchanges of this trace id (32 hex digits)")
	f.StringVar(&o.Query.Endpoint, "endpoint", "", "only this endpoint, e.g. GetBook")
	f.StringArrayVar(&o.Ignore, "ignore", nil, "JSON path for the session's header not to compare on replay, e.g. '$.create_time'; repeatable")
	f.StringVar(&o.Source.Consul, "consul", "", "registry address (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	f.StringVar(&o.Source.Etcd, "etcd", "", etcdFlagHelp)
	f.StringVar(&o.Source.Target, "target", "", "read this admin listener (host:port) directly, with no registry")
	return cmd
}
