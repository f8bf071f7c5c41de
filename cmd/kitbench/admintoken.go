package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
)

// addAdminToken gives root the persistent --admin-token flag and puts the
// token it chooses (the flag, else KITBENCH_ADMIN_TOKEN) into the context
// of the command that runs, where workbench.AdminToken finds it. The
// environment is read at run time, so no token ever shows in --help or
// docs/cli.md.
func addAdminToken(root *cobra.Command) {
	var flag string
	root.PersistentFlags().StringVar(&flag, "admin-token", "",
		"bearer token for the instances' admin listeners (default: "+workbench.AdminTokenEnv+"); an instance that publishes kit_admin_token_ref=env:KITBENCH_ADMIN_TOKEN_<NAME> gets that variable's value instead")
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		tok := flag
		if !cmd.Flags().Changed("admin-token") {
			tok = os.Getenv(workbench.AdminTokenEnv)
		}
		cmd.SetContext(workbench.WithAdminToken(cmd.Context(), tok))
	}
}
