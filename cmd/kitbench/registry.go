package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd/devregistry"
)

func init() { subcommands = append(subcommands, newRegistryCmd) }

func newRegistryCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:     "registry",
		Short:   "Run the dev registry (a Consul API subset) standalone",
		Long:    help("registry"),
		Example: help("registry.examples"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRegistry(cmd.Context(), addr, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&addr, "addr", devregistry.DefaultAddr, "host:port to listen on (Consul's default; use 127.0.0.1:0 for any free port)")
	return cmd
}

// runRegistry serves a dev registry on addr until ctx is done.
func runRegistry(ctx context.Context, addr string, out io.Writer) error {
	err := workbench.ServeRegistry(ctx, addr, func(listen string) {
		fmt.Fprintf(out, "kitbench dev registry listening on http://%s\n", listen)
		fmt.Fprintln(out, "  it speaks a subset of Consul's HTTP API; it is not Consul, and keeps state in memory only")
		if listen == devregistry.DefaultAddr {
			fmt.Fprintln(out, "  services and kitbench find it here by default (Consul's address)")
		} else {
			fmt.Fprintf(out, "  point services and kitbench at it with CONSUL_HTTP_ADDR=%s\n", listen)
		}
		fmt.Fprintln(out, "  press Ctrl-C to stop")
	})
	if err == nil {
		fmt.Fprintln(out, "registry stopped")
	}
	return err
}
