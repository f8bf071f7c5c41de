package main

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

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
	stop := progress(cmd.ErrOrStderr(), "reading the fleet and measuring "+cell(service)+"'s rates…")
	src, insts, err := workbench.DescribeService(cmd.Context(), f.fleet, service)
	stop()
	if err != nil {
		return err
	}
	if f.output == "json" {
		return printJSON(cmd.OutOrStdout(), describeJSON{Service: service, Source: src, Instances: insts})
	}
	printDescribe(cmd.OutOrStdout(), service, insts)
	return nil
}

func printDescribe(w io.Writer, service string, insts []hub.InstanceState) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintf(tw, "SERVICE %s  (%d instances)\n\n", cell(service), len(insts))

	fmt.Fprintln(tw, "INSTANCE\tADDRESS\tHEALTH\tSTATE\tINTROSPECTION\tVERSION\tADMIN\tNOTE")
	for _, in := range insts {
		version := "-"
		if in.Info != nil && in.Info.Version != "" {
			version = in.Info.Version
		}
		note := in.Err
		if in.Stale {
			note = strings.TrimSuffix("stale: "+note, ": ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(in.InstanceID), cell(in.Address), cell(in.Health),
			in.State, fleetDash(cell(string(in.Intro))), cell(version), fleetDash(cell(in.Admin)), cell(note))
	}

	fmt.Fprintln(tw, "\nENDPOINT\tTRANSPORT\tROUTE\tRATE\tERRORS\tP50\tP99")
	for _, e := range endpoints(insts) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(e.name), cell(e.transport), cell(e.route),
			e.rate, e.errors, e.p50, e.p99)
	}

	fmt.Fprintln(tw, "\nBREAKER\tINSTANCE\tSTATE\tREQUESTS\tFAILURES\tERROR RATIO\tSINCE")
	for _, in := range insts {
		for _, b := range in.Breakers {
			since := "-"
			if !b.LastTransition.IsZero() {
				since = b.LastTransition.Local().Format(time.TimeOnly)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.1f%%\t%s\n", cell(b.Name), cell(in.InstanceID), cell(b.State),
				b.Counts.Requests, b.Counts.Failures, 100*b.ErrorRatio, since)
		}
	}

	fmt.Fprintln(tw, "\nLIMITER\tINSTANCE\tMODE\tRATE/S\tBURST\tTOKENS\tALLOWED\tREJECTED")
	for _, in := range insts {
		for _, l := range in.Limiters {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%d\t%.1f\t%d\t%d\n", cell(l.Name), cell(in.InstanceID), cell(l.Mode),
				l.Rate, l.Burst, l.Tokens, l.Allowed, l.Rejected)
		}
	}
}

// endpointRow is one line of describe's endpoint table.
type endpointRow struct {
	name, transport, route string
	rate, errors, p50, p99 string
}

// endpoints formats workbench.Endpoints for describe's endpoint table.
func endpoints(insts []hub.InstanceState) []endpointRow {
	stats := workbench.Endpoints(insts)
	rows := make([]endpointRow, 0, len(stats))
	for _, s := range stats {
		r := endpointRow{name: s.Name, transport: s.Transport, route: cmp.Or(s.Route, "-"), rate: "-", errors: "-", p50: "-", p99: "-"}
		if s.Measured {
			r.rate = fmt.Sprintf("%.1f/s", s.Rate)
			r.errors = fmt.Sprintf("%.1f%%", 100*s.ErrorRatio())
			if s.Requests > 0 {
				r.p50, r.p99 = s.P50.Round(time.Microsecond).String(), s.P99.Round(time.Microsecond).String()
			}
		}
		rows = append(rows, r)
	}
	return rows
}
