package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
)

func init() { subcommands = append(subcommands, newListCmd) }

// etcdFlagHelp is the help of every command's --etcd.
const etcdFlagHelp = "etcd endpoints, comma-separated, instead of a Consul-API registry (default: ETCDCTL_ENDPOINTS when neither --consul nor CONSUL_HTTP_ADDR is given)"

// fleetFlags are the flags list and describe share: where the fleet is,
// and how to print it.
type fleetFlags struct {
	fleet  workbench.FleetOptions
	output string
}

func (f *fleetFlags) add(cmd *cobra.Command) {
	fl, src := cmd.Flags(), &f.fleet.Source
	fl.StringVar(&src.Consul, "consul", "", "registry address, host:port or URL (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	fl.StringVar(&src.Etcd, "etcd", "", etcdFlagHelp)
	fl.StringArrayVar(&src.Targets, "target", nil, "an instance's admin listener host:port, instead of a registry (repeatable)")
	fl.StringVar(&f.fleet.Prometheus, "prometheus", "", workbench.PrometheusFlagHelp)
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fl.DurationVar(&f.fleet.Timeout, "timeout", 5*time.Second, "how long to wait for the registry and the instances to answer")
}

func (f *fleetFlags) check() error {
	src := f.fleet.Source
	switch {
	case f.output != "text" && f.output != "json":
		return workbench.Exitf(workbench.ExitUsage, "-o %q: the formats are text and json", f.output)
	case src.Consul != "" && len(src.Targets) > 0:
		return workbench.Exit(workbench.ExitUsage, errors.New("--consul and --target choose different sources: give one"))
	case src.Etcd != "" && (src.Consul != "" || len(src.Targets) > 0):
		return workbench.Exit(workbench.ExitUsage, errors.New("--etcd, --consul and --target choose different sources: give one"))
	case f.fleet.Timeout <= 0:
		return workbench.Exit(workbench.ExitUsage, errors.New("--timeout must be positive"))
	}
	return nil
}

func newListCmd() *cobra.Command {
	var f fleetFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List services and their instances, with health",
		Long:    help("list"),
		Example: help("list.examples"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			stop := spinner(cmd.ErrOrStderr(), "reading the fleet…")
			f.fleet.Scrape = -1
			h, err := workbench.Observe(cmd.Context(), f.fleet)
			stop()
			if err != nil {
				return err
			}
			defer h.Close()
			l := workbench.List(h.Snapshot())
			if f.output == "json" {
				return printJSON(cmd.OutOrStdout(), l)
			}
			return workbench.WriteList(cmd.OutOrStdout(), l)
		},
	}
	f.add(cmd)
	return cmd
}
