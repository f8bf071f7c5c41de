package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/recorder"
)

func init() { subcommands = append(subcommands, newReplayCmd) }

// exitError carries a process exit status with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

func newReplayCmd() *cobra.Command {
	var (
		targets, ignore, headers []string
		output                   string
		timeout                  time.Duration
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
			h := http.Header{}
			for _, kv := range headers {
				k, v, ok := strings.Cut(kv, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return fmt.Errorf("--header %q: want 'Name: value'", kv)
				}
				h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			return runReplay(cmd, args[0], targets, recorder.ReplayOptions{Ignore: ignore, Headers: h, Timeout: timeout}, output)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&targets, "target", nil, "where to send requests: host:port (HTTP and gRPC), http://host:port or grpc://host:port; repeatable")
	f.StringArrayVar(&ignore, "ignore", nil, "JSON path not to compare, e.g. '$.create_time' or '$.books[*].id'; repeatable")
	f.StringArrayVar(&headers, "header", nil, "'Name: value' set on every request (gRPC: metadata); repeatable")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	f.DurationVar(&timeout, "timeout", 30*time.Second, "time limit for each request")
	return cmd
}

// interrupted is replay's error when ctx ended (SIGINT, SIGTERM): exit
// status 130, as a shell reports a command Ctrl-C stopped.
func interrupted(ctx context.Context) error {
	why := context.Cause(ctx).Error() // "interrupt signal received"
	return &exitError{130, fmt.Errorf("interrupted (%s): the replay stopped before it finished", why)}
}

func runReplay(cmd *cobra.Command, path string, specs []string, opts recorder.ReplayOptions, output string) error {
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	s, err := recorder.ReadFileContext(ctx, path, recorder.ReadOptions{})
	if err != nil && ctx.Err() != nil {
		return interrupted(ctx)
	}
	if err != nil {
		return err
	}
	for _, le := range s.Errors {
		fmt.Fprintf(stderr, "kitbench: %s (skipped)\n", sanitize.Line(fmt.Sprintf("%s: %v", path, le), 0))
	}
	side, err := recorder.Sidecar(path)
	if err != nil {
		return err
	}
	opts.Ignore = append(side, opts.Ignore...)
	t, err := recorder.DialSession(s, specs)
	if err != nil {
		return err
	}
	defer t.Close()
	if isTerminal(stderr) && len(s.Exchanges) > 20 {
		opts.Progress = func(done, total int) {
			if done%10 == 0 || done == total {
				fmt.Fprintf(stderr, "\rreplaying %d/%d", done, total)
			}
			if done == total {
				fmt.Fprint(stderr, "\r\033[K")
			}
		}
	}
	rp, err := recorder.NewReplayer(t, opts)
	if err != nil {
		return err
	}
	rep, err := rp.Replay(ctx, s)
	if err != nil {
		return err
	}
	if output == "json" {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	switch {
	case ctx.Err() != nil:
		return interrupted(ctx)
	case rep.Unreachable():
		return &exitError{2, errors.New("the target could not be reached: is the service running? check --target")}
	case rep.Failed > 0:
		return &exitError{1, fmt.Errorf("%d of %d exchanges did not match", rep.Failed, len(rep.Results))}
	case len(s.Errors) > 0:
		return &exitError{1, fmt.Errorf("%s: %d unreadable lines", path, len(s.Errors))}
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
