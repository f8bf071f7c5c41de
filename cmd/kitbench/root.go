package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// empty means the module version recorded in the binary, if any.
var version = ""

// exitCoder is implemented by errors that choose the process exit status.
// Any other error exits 1.
type exitCoder interface {
	ExitCode() int
}

// subcommands are the constructors of kitbench's subcommands. Each
// subcommand's file appends its own in an init function, so adding a
// command touches only that file. Cobra lists them sorted by name.
var subcommands []func() *cobra.Command

// newRootCmd builds the kitbench command tree writing to stdout and stderr.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "kitbench",
		Short:         "A workbench for microservices built with kit",
		Long:          help("kitbench"),
		Version:       buildVersion(),
		SilenceErrors: true, // run prints "kitbench: <message>"
		SilenceUsage:  true, // an error is not a reason to print the manual
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	addAdminToken(root)
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	addDashboardToRoot(root) // `kitbench` alone opens the dashboard
	return root
}

// run executes kitbench with args and returns the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := execute(ctx, newRootCmd(stdout, stderr), args)
	if err == nil {
		return 0
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command") {
		msg += " (see 'kitbench --help')"
	}
	// An error may quote a service, a registry or a file: one line, no
	// escape sequence, control, bidi or zero-width character.
	fmt.Fprintf(stderr, "kitbench: %s\n", sanitize.Line(msg, 0))
	var ec exitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return 1
}

// execute runs root with args, a `kitbench call` line typed as for
// grpcurl put in kitbench's spelling first (workbench.TranslateGrpcurl).
func execute(ctx context.Context, root *cobra.Command, args []string) error {
	if c, rest, err := root.Find(args); err == nil && c.Name() == "call" {
		c.Flags().AddFlagSet(root.PersistentFlags())
		if rest, err = workbench.TranslateGrpcurl(rest, c.Flags()); err != nil {
			return err
		}
		args = append([]string{"call"}, rest...)
	}
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
