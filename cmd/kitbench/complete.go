package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/discovery"
)

// completionTimeout bounds the registry and instance look-ups a shell
// completion makes; a completion that hangs is worse than none.
const completionTimeout = 2 * time.Second

// completeServiceMethod completes SERVICE.METHOD (or, with methods false,
// SERVICE) from the registry the command's --consul or --etcd names, as
// workbench.Complete does.
func completeServiceMethod(methods bool) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		consul, _ := cmd.Flags().GetString("consul")
		etcd, _ := cmd.Flags().GetString("etcd")
		out, err := workbench.Complete(ctx, discovery.Options{Consul: consul, Etcd: etcd}, toComplete, methods)
		directive := cobra.ShellCompDirectiveNoFileComp
		switch {
		case err != nil:
			return nil, directive | cobra.ShellCompDirectiveError
		case methods && !strings.Contains(toComplete, "."):
			directive |= cobra.ShellCompDirectiveNoSpace // a service name: the method follows
		}
		return out, directive
	}
}
