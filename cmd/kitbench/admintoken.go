package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"
)

// adminTokenEnv is the environment variable --admin-token defaults to.
const adminTokenEnv = "KITBENCH_ADMIN_TOKEN"

type adminTokenKey struct{}

// addAdminToken gives root the persistent --admin-token flag and puts the
// token it chooses (the flag, else KITBENCH_ADMIN_TOKEN) into the context
// of the command that runs, where adminToken finds it. The environment is
// read at run time, so no token ever shows in --help or docs/cli.md.
func addAdminToken(root *cobra.Command) {
	var flag string
	root.PersistentFlags().StringVar(&flag, "admin-token", "",
		"bearer token for the instances' admin listeners (default: "+adminTokenEnv+"); an instance that publishes kit_admin_token_ref=env:KITBENCH_ADMIN_TOKEN_<NAME> gets that variable's value instead")
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		tok := flag
		if !cmd.Flags().Changed("admin-token") {
			tok = os.Getenv(adminTokenEnv)
		}
		cmd.SetContext(context.WithValue(cmd.Context(), adminTokenKey{}, tok))
	}
}

// adminToken returns the admin token chosen for this run. Outside a
// command's run (shell completion runs no hooks) it is the environment's.
func adminToken(ctx context.Context) string {
	if tok, ok := ctx.Value(adminTokenKey{}).(string); ok {
		return tok
	}
	return os.Getenv(adminTokenEnv)
}
