package workbench

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kitbench/kitbench/probes/hub"
)

// WriteList writes `kitbench list`'s table for people: the source, then
// one row per instance, or a line saying no service is registered.
func WriteList(w io.Writer, l Listing) error {
	fmt.Fprintf(w, "source: %s", cell(l.Source.Source))
	if l.Source.Stale {
		fmt.Fprintf(w, "  (stale: %s)", cell(l.Source.Err))
	}
	fmt.Fprintln(w)
	if len(l.Services) == 0 {
		fmt.Fprintln(w, "no services registered")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tINSTANCE\tADDRESS\tHEALTH\tSTATE\tINTROSPECTION\tNOTE")
	for _, svc := range l.Services {
		for _, in := range svc.Instances {
			var note []string
			if in.Stale {
				note = append(note, "stale")
			}
			if in.Error != "" {
				note = append(note, in.Error)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(svc.Name), cell(in.ID), cell(in.Address),
				cell(in.Health), in.State, dash(cell(string(in.Introspection))), cell(strings.Join(note, ": ")))
		}
	}
	return tw.Flush()
}

// WriteDescribe writes `kitbench describe SERVICE`'s tables for people:
// the instances, the endpoints with their rates (Endpoints; "-" where
// nothing is measured), the breakers and the limiters. Remote text is
// sanitized, each field at MaxCell cells.
func WriteDescribe(w io.Writer, service string, insts []hub.InstanceState) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SERVICE %s  (%s)\n\n", cell(service), plural(len(insts), "instance"))

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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(in.ID()), cell(in.Address), dash(cell(in.Health)),
			in.State, dash(cell(string(in.Intro))), cell(version), dash(cell(in.Admin)), cell(note))
	}

	fmt.Fprintln(tw, "\nENDPOINT\tTRANSPORT\tROUTE\tRATE\tFAILURES\t4XX\tMEAN\tP50\tP99")
	for _, e := range endpoints(insts) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(e.name), cell(e.transport), cell(e.route),
			e.rate, e.errors, e.client, e.mean, e.p50, e.p99)
	}

	fmt.Fprintln(tw, "\nBREAKER\tINSTANCE\tSTATE\tREQUESTS\tFAILURES\tERROR RATIO\tSINCE")
	for _, in := range insts {
		for _, b := range in.Breakers {
			since := "-"
			if !b.LastTransition.IsZero() {
				since = b.LastTransition.Local().Format(time.TimeOnly)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.1f%%\t%s\n", cell(b.Name), cell(in.ID()), cell(b.State),
				b.Counts.Requests, b.Counts.Failures, 100*b.ErrorRatio, since)
		}
	}

	fmt.Fprintln(tw, "\nLIMITER\tINSTANCE\tMODE\tRATE/S\tBURST\tTOKENS\tALLOWED\tREJECTED")
	for _, in := range insts {
		for _, l := range in.Limiters {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%g\t%d\t%.1f\t%d\t%d\n", cell(l.Name), cell(in.ID()), cell(l.Mode),
				l.Rate, l.Burst, l.Tokens, l.Allowed, l.Rejected)
		}
	}
	return tw.Flush()
}

// endpointRow is one line of describe's endpoint table.
type endpointRow struct {
	name, transport, route string
	rate, errors, client   string
	mean, p50, p99         string
}

// endpoints formats Endpoints for describe's endpoint table.
func endpoints(insts []hub.InstanceState) []endpointRow {
	stats := Endpoints(insts)
	rows := make([]endpointRow, 0, len(stats))
	for _, s := range stats {
		r := endpointRow{name: s.Name, transport: s.Transport, route: cmp.Or(s.Route, "-"),
			rate: "-", errors: "-", client: "-", mean: "-", p50: "-", p99: "-"}
		if s.Measured {
			r.rate = fmt.Sprintf("%.1f/s", s.Rate)
			r.errors = fmt.Sprintf("%.1f%%", 100*s.ErrorRatio())
			r.client = fmt.Sprintf("%.1f%%", 100*s.ClientErrorShare())
			if s.Requests > 0 {
				r.mean = s.Mean.Round(time.Microsecond).String()
				r.p50, r.p99 = s.Quantile(s.P50), s.Quantile(s.P99)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// dash stands for an empty field.
func dash(s string) string { return cmp.Or(s, "-") }

// plural is "1 instance", "2 instances".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
