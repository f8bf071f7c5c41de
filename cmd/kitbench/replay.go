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
		o                            workbench.ReplayOptions
		headers                      []string
		output                       string
		update, allow, only, verbose bool
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
			o.Headers, o.Writes = h, workbench.WritesFor(allow, only)
			return runReplay(cmd, args[0], o, output, update, verbose)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Targets, "target", nil, "where to send requests: host:port (HTTP and gRPC), http://host:port, grpc://host:port or thrift://host:port; repeatable")
	f.StringArrayVar(&o.Ignore, "ignore", nil, "JSON path not to compare, e.g. '$.create_time' or '$.books[*].id'; repeatable")
	f.StringArrayVar(&headers, "header", nil, "'Name: value' set on every request (gRPC: metadata); repeatable")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "time limit for each request")
	f.BoolVar(&update, "update", false, "make --target's responses the file's expectations, keeping the old ones as history")
	// Safety: what becomes of exchanges that may change data (workbench.Writes).
	f.BoolVar(&allow, "allow-writes", false, "send exchanges that may change data (POST, DELETE, …) to a target other than the recorded one")
	f.BoolVar(&only, "only-safe", false, "send only the exchanges that cannot change data; report the others skipped")
	f.BoolVar(&o.DryRun, "dry-run", false, "print what would be sent, and send nothing")
	f.StringArrayVar(&o.Safe, "safe", nil, "pattern of exchanges to treat as safe: 'GET /v1/*'-style, a gRPC method ('bookstore.v1.BookService/Search'), a Thrift method or an endpoint; repeatable")
	f.StringArrayVar(&o.MatchKeys, "match-key", nil, "object key by which array elements are paired in diffs, tried before id and name; repeatable")
	f.BoolVarP(&verbose, "verbose", "v", false, "under each exchange, the trace id sent beside the recorded one (and a dry run's headers)")
	cmd.MarkFlagsMutuallyExclusive("allow-writes", "only-safe")
	return cmd
}

func runReplay(cmd *cobra.Command, path string, o workbench.ReplayOptions, output string, update, verbose bool) error {
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	o.Unreadable = workbench.SkippedLines(stderr, path)
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
	if err := r.Write(stdout, output, verbose); err != nil {
		return err
	}
	return r.Verdict(ctx)
}
