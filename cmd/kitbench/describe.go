package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/hub"
)

func init() { subcommands = append(subcommands, newDescribeCmd) }

// describeScrape is the scrape interval describe uses: rates need two
// scrapes, so describe waits about this long for the second.
const describeScrape = time.Second

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
			if svc, method, ok := strings.Cut(args[0], "."); ok && len(f.targets) <= 1 {
				return describeMethod(methodCmd(cmd, &f), svc, method)
			}
			return runDescribe(cmd, &f, args[0])
		},
	}
	f.add(cmd)
	return cmd
}

// methodCmd presents f under the flag names describeMethod reads.
func methodCmd(cmd *cobra.Command, f *fleetFlags) *cobra.Command {
	mc := &cobra.Command{Use: cmd.Use}
	mc.SetContext(cmd.Context())
	mc.SetOut(cmd.OutOrStdout())
	mc.SetErr(cmd.ErrOrStderr())
	target := ""
	if len(f.targets) == 1 {
		target = f.targets[0]
	}
	out := f.output
	if out == "text" {
		out = ""
	}
	mc.Flags().String("consul", f.consul, "")
	mc.Flags().String("etcd", f.etcd, "")
	mc.Flags().String("target", target, "")
	mc.Flags().String("output", out, "")
	return mc
}

// describeJSON is the shape of `kitbench describe SERVICE -o json`.
type describeJSON struct {
	Service   string              `json:"service"`
	Source    hub.SourceStatus    `json:"source"`
	Instances []hub.InstanceState `json:"instances"`
}

func runDescribe(cmd *cobra.Command, f *fleetFlags, service string) error {
	ctx := cmd.Context()
	stop := progress(cmd.ErrOrStderr(), "reading the fleet and measuring "+cell(service)+"'s rates…")
	defer stop()
	h, err := f.observe(ctx, describeScrape)
	if err != nil {
		return err
	}
	defer h.Close()
	snap := h.Snapshot()
	insts := ofService(snap, service)
	if len(insts) == 0 {
		names := map[string]bool{}
		for _, in := range snap.Instances {
			names[cell(in.Name())] = true
		}
		known := slices.Sorted(func(yield func(string) bool) {
			for n := range names {
				if !yield(n) {
					return
				}
			}
		})
		msg := "no services are registered"
		if len(known) > 0 {
			msg = "known services: " + strings.Join(known, ", ")
		}
		return &fleetError{2, fmt.Errorf("no service %q at %s; %s", cell(service), cell(snap.Source.Source), msg)}
	}
	insts = waitRates(ctx, h, service, f.timeout)
	stop()
	if f.output == "json" {
		return printJSON(cmd.OutOrStdout(), describeJSON{Service: service, Source: snap.Source, Instances: insts})
	}
	printDescribe(cmd.OutOrStdout(), service, insts)
	return nil
}

func ofService(s hub.Snapshot, service string) []hub.InstanceState {
	var out []hub.InstanceState
	for _, in := range s.Instances {
		if in.Service == service || in.Name() == service {
			out = append(out, in)
		}
	}
	return out
}

// waitRates waits, at most about two scrape intervals, until every
// observable instance of service has metrics over an interval (so rates
// are real), and returns the service's instances as they are then.
func waitRates(ctx context.Context, h *hub.Hub, service string, limit time.Duration) []hub.InstanceState {
	ctx, cancel := context.WithTimeout(ctx, min(limit, 2*describeScrape+describeScrape/2))
	defer cancel()
	sub := h.Subscribe(0)
	defer sub.Close()
	for {
		insts := ofService(h.Snapshot(), service)
		done := true
		for _, in := range insts {
			if in.Admin != "" && in.State == hub.StateUp && in.Intro != hub.IntroProtocol &&
				(in.Metrics == nil || (in.Metrics.Err == "" && in.Metrics.Stats.Interval == 0)) {
				done = false
			}
		}
		if done {
			return insts
		}
		if _, err := sub.Next(ctx); err != nil {
			return insts
		}
	}
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
