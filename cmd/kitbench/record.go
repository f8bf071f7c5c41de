package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
)

func init() { subcommands = append(subcommands, newRecordCmd) }

func newRecordCmd() *cobra.Command {
	var (
		target, out, listen, service string
		duration                     time.Duration
		grpcMode                     bool
	)
	cmd := &cobra.Command{
		Use:     "record --target ADDR --out FILE",
		Short:   "Record the HTTP or gRPC traffic to a service through a proxy",
		Long:    help("record"),
		Example: help("record.examples"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
			rep, err := workbench.RecordProxy(cmd.Context(), workbench.ProxyOptions{
				Target: target, Out: out, Listen: listen, Service: service, GRPC: grpcMode, Duration: duration,
				Warn: func(msg string) { fmt.Fprintf(stderr, "warning: %s\n", sanitize.Line(msg, 0)) },
				Ready: func(addr string) {
					if grpcMode {
						fmt.Fprintf(stdout, "recording gRPC on %s → %s into %s\n  point your gRPC client at the proxy; press Ctrl-C to stop\n", addr, target, out)
					} else {
						fmt.Fprintf(stdout, "recording http://%s → %s into %s\n  send requests to the proxy; press Ctrl-C to stop\n", addr, target, out)
					}
				},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "recorded %d exchanges in %s\n", rep.Recorded, out)
			if grpcMode {
				fmt.Fprintf(stdout, "of which streaming calls: %d\n", rep.Streams)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target", "", "service to record: host:port, or http://host:port for HTTP")
	f.StringVar(&out, "out", "", "session file to write (.kitrec)")
	f.StringVar(&listen, "listen", "127.0.0.1:0", "address the proxy listens on (default: a free loopback port)")
	f.StringVar(&service, "service", "", "service name written in the session")
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: until Ctrl-C)")
	f.BoolVar(&grpcMode, "grpc", false, "proxy gRPC instead of HTTP: record every call, streams included")
	return cmd
}
