package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
)

func init() { subcommands = append(subcommands, newReplayCmd) }

func newReplayCmd() *cobra.Command {
	var (
		o       workbench.ReplayOptions
		headers []string
		output  string
		update  bool
	)
	cmd := &cobra.Command{
		Use:     "replay FILE",
		Short:   "Replay a recorded session against a service and show what differs",
		Long:    help("replay"),
		Example: help("replay.examples"),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "table" && output != "json" {
				return fmt.Errorf("-o %q: want table or json", output)
			}
			h, err := workbench.ParseHeaders(headers)
			if err != nil {
				return err
			}
			o.Headers = h
			return runReplay(cmd, args[0], o, output, update)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Targets, "target", nil, "where to send requests: host:port (HTTP and gRPC), http://host:port or grpc://host:port; repeatable")
	f.StringArrayVar(&o.Ignore, "ignore", nil, "JSON path not to compare, e.g. '$.create_time' or '$.books[*].id'; repeatable")
	f.StringArrayVar(&headers, "header", nil, "'Name: value' set on every request (gRPC: metadata); repeatable")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "time limit for each request")
	f.BoolVar(&update, "update", false, "make --target's responses the file's expectations, keeping the old ones as history")
	return cmd
}

func runReplay(cmd *cobra.Command, path string, o workbench.ReplayOptions, output string, update bool) error {
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	o.Unreadable = func(err error) {
		fmt.Fprintf(stderr, "kitbench: %s (skipped)\n", sanitize.Line(fmt.Sprintf("%s: %v", path, err), 0))
	}
	if terminal(stderr) {
		o.Progress = workbench.ProgressLine(stderr)
	}
	if update {
		r, err := workbench.Update(ctx, path, o)
		if err == nil {
			fmt.Fprintf(stdout, "updated %d expectations in %s from %s; the earlier responses are kept as history\n",
				len(r.Session.Exchanges), sanitize.Line(path, 0), sanitize.Line(o.Targets[0], 0))
		}
		return err
	}
	r, err := workbench.Replay(ctx, path, o)
	if err != nil {
		return err
	}
	if output == "json" {
		err = r.Report.WriteJSON(stdout)
	} else {
		err = workbench.WriteReplay(stdout, r.Report)
	}
	if err != nil {
		return err
	}
	return r.Verdict(ctx)
}
