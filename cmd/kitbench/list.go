package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/sanitize"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
)

func init() { subcommands = append(subcommands, newListCmd) }

// etcdFlagHelp is the help of every command's --etcd.
const etcdFlagHelp = "etcd endpoints, comma-separated, instead of a Consul-API registry (default: ETCDCTL_ENDPOINTS when neither --consul nor CONSUL_HTTP_ADDR is given)"

// fleetFlags are the flags list and describe share: where the fleet is,
// and how to print it.
type fleetFlags struct {
	consul  string
	etcd    string
	targets []string
	output  string
	timeout time.Duration
}

func (f *fleetFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.consul, "consul", "", "registry address, host:port or URL (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	fl.StringVar(&f.etcd, "etcd", "", etcdFlagHelp)
	fl.StringArrayVar(&f.targets, "target", nil, "an instance's admin listener host:port, instead of a registry (repeatable)")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "how long to wait for the registry and the instances to answer")
}

func (f *fleetFlags) check() error {
	switch {
	case f.output != "text" && f.output != "json":
		return &fleetError{1, fmt.Errorf("-o %q: the formats are text and json", f.output)}
	case f.consul != "" && len(f.targets) > 0:
		return &fleetError{1, errors.New("--consul and --target choose different sources: give one")}
	case f.etcd != "" && (f.consul != "" || len(f.targets) > 0):
		return &fleetError{1, errors.New("--etcd, --consul and --target choose different sources: give one")}
	case f.timeout <= 0:
		return &fleetError{1, errors.New("--timeout must be positive")}
	}
	return nil
}

// where says which registry address is used and why, for error messages.
func (f *fleetFlags) where() string {
	switch {
	case f.etcd != "":
		return f.etcd + " (--etcd)"
	case f.consul != "":
		return f.consul + " (--consul)"
	case len(f.targets) == 0 && os.Getenv("CONSUL_HTTP_ADDR") == "" && os.Getenv("ETCDCTL_ENDPOINTS") != "":
		return os.Getenv("ETCDCTL_ENDPOINTS") + " (ETCDCTL_ENDPOINTS)"
	case os.Getenv("CONSUL_HTTP_ADDR") != "":
		return os.Getenv("CONSUL_HTTP_ADDR") + " (CONSUL_HTTP_ADDR)"
	}
	return "127.0.0.1:8500 (the default)"
}

// observe starts a hub on the chosen source, waits until the source and
// every instance have answered once (or the timeout), and returns it.
// The caller closes it. An unreachable source is an exit-2 error.
func (f *fleetFlags) observe(ctx context.Context, scrape time.Duration) (*hub.Hub, error) {
	h, err := hub.New(hub.Options{
		Discovery:      discovery.Options{Consul: f.consul, Etcd: f.etcd, Targets: f.targets},
		Introspect:     introspect.Options{Token: workbench.AdminToken(ctx)},
		ScrapeInterval: scrape,
	})
	if err != nil {
		return nil, &fleetError{1, err}
	}
	wctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	_ = h.WaitSettled(wctx) // a slow instance is shown as it is
	src := h.Snapshot().Source
	if src.Err != "" || !src.Ready {
		h.Close()
		why := src.Err
		if why == "" {
			why = "no answer within " + f.timeout.String()
		}
		return nil, &fleetError{2, fmt.Errorf("cannot reach the registry at %s: %s; %s", f.where(), cell(why), workbench.StartAFleet)}
	}
	return h, nil
}

func newListCmd() *cobra.Command {
	var f fleetFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List services and their instances, with health",
		Long: `List every service the registry knows, each instance with its address, the
registry's health check, and what kitbench's probes see: up or down, and how the
instance is observed (stream, poll, no admin listener, unsupported protocol).
Entries the registry could not confirm lately are marked stale.

The registry is CONSUL_HTTP_ADDR, else 127.0.0.1:8500 (kitbench's dev registry or a
Consul agent), or --consul ADDR; --etcd ENDPOINTS (or ETCDCTL_ENDPOINTS, when no
Consul address is named) reads kit's services from etcd; --target HOST:PORT
(repeatable) lists instances by their admin listener with no registry.

Exit status: 0 listed, 1 bad usage, 2 the registry cannot be reached.`,
		Example: `  kitbench list
  kitbench list -o json | jq '.services[].name'
  kitbench list --target 127.0.0.1:9090`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			stop := progress(cmd.ErrOrStderr(), "reading the fleet…")
			h, err := f.observe(cmd.Context(), -1)
			stop()
			if err != nil {
				return err
			}
			defer h.Close()
			return printList(cmd.OutOrStdout(), f.output, h.Snapshot())
		},
	}
	f.add(cmd)
	return cmd
}

// listJSON is the shape of `kitbench list -o json`.
type listJSON struct {
	Source   hub.SourceStatus `json:"source"`
	Services []listService    `json:"services"`
}

type listService struct {
	Name      string         `json:"name"`
	Instances []listInstance `json:"instances"`
}

type listInstance struct {
	ID            string            `json:"id"`
	Address       string            `json:"address"`
	Health        string            `json:"health"`
	State         hub.State         `json:"state"`
	Introspection hub.Introspection `json:"introspection"`
	Stale         bool              `json:"stale,omitempty"`
	Error         string            `json:"error,omitempty"`
	Admin         string            `json:"admin,omitempty"`
	Version       string            `json:"version,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
}

func listOf(s hub.Snapshot) listJSON {
	out := listJSON{Source: s.Source, Services: []listService{}}
	for _, in := range s.Instances {
		name := in.Name()
		if n := len(out.Services); n == 0 || out.Services[n-1].Name != name {
			out.Services = append(out.Services, listService{Name: name})
		}
		li := listInstance{ID: in.InstanceID, Address: in.Address, Health: in.Health, State: in.State,
			Introspection: in.Intro, Stale: in.Stale, Error: in.Err, Admin: in.Admin, Tags: in.Tags}
		if in.Info != nil {
			li.Version = in.Info.Version
		}
		svc := &out.Services[len(out.Services)-1]
		svc.Instances = append(svc.Instances, li)
	}
	return out
}

func printList(w io.Writer, format string, s hub.Snapshot) error {
	l := listOf(s)
	if format == "json" {
		return printJSON(w, l)
	}
	fmt.Fprintf(w, "source: %s", cell(s.Source.Source))
	if s.Source.Stale {
		fmt.Fprintf(w, "  (stale: %s)", cell(s.Source.Err))
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
				cell(in.Health), in.State, fleetDash(cell(string(in.Introspection))), cell(strings.Join(note, ": ")))
		}
	}
	return tw.Flush()
}

// fleetError is an error of list or describe with its exit status.
type fleetError struct {
	code int
	err  error
}

func (e *fleetError) Error() string { return e.err.Error() }
func (e *fleetError) Unwrap() error { return e.err }

// ExitCode implements exitCoder.
func (e *fleetError) ExitCode() int { return e.code }

// fleetMaxField bounds one field of text output, in terminal cells.
const fleetMaxField = 120

// cell is remote text as one field of list's or describe's output:
// sanitize.Line at fleetMaxField cells.
func cell(s string) string { return sanitize.Line(s, fleetMaxField) }

func fleetDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
