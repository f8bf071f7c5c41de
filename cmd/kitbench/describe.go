package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/hub"
)

func init() { subcommands = append(subcommands, newDescribeCmd) }

func newDescribeCmd() *cobra.Command {
	var f fleetFlags
	cmd := &cobra.Command{
		Use:               "describe SERVICE | SERVICE.METHOD",
		Short:             "Show a service's instances, endpoints, breakers, limiters and rates",
		Long:              help("describe"),
		Example:           help("describe.examples"),
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeServiceMethod(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if src := f.fleet.Source; strings.Contains(args[0], ".") && len(src.Targets) <= 1 {
				cf := &callFlags{src: workbench.Source{Consul: src.Consul, Etcd: src.Etcd, Timeout: workbench.DefaultConnectTimeout}}
				if len(src.Targets) == 1 {
					cf.src.Target = src.Targets[0]
				}
				if f.output == "json" {
					cf.output = "json"
				}
				return describeMethod(cmd.Context(), cmd.OutOrStdout(), cf, args[0])
			}
			return runDescribe(cmd, &f, args[0])
		},
	}
	f.add(cmd)
	return cmd
}

// describeJSON is the shape of `kitbench describe SERVICE -o json`.
type describeJSON struct {
	Service   string              `json:"service"`
	Source    hub.SourceStatus    `json:"source"`
	Instances []hub.InstanceState `json:"instances"`
}

func runDescribe(cmd *cobra.Command, f *fleetFlags, service string) error {
	stop := spinner(cmd.ErrOrStderr(), "reading the fleet and measuring "+sanitize.Line(service, workbench.MaxCell)+"'s rates…")
	src, insts, err := workbench.DescribeService(cmd.Context(), f.fleet, service)
	stop()
	if err != nil {
		return err
	}
	if f.output == "json" {
		return printJSON(cmd.OutOrStdout(), describeJSON{Service: service, Source: src, Instances: insts})
	}
	return workbench.WriteDescribe(cmd.OutOrStdout(), service, insts)
}
