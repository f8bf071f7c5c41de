package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/internal/dashio"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/dashboard"
	"github.com/kitbench/kitbench/ui/styles"
)

func init() { subcommands = append(subcommands, newDashboardCmd) }

// errNoTerminal is returned when the dashboard has no terminal to draw in.
var errNoTerminal = errors.New("the dashboard needs a terminal, and standard output is not one; for scripts use 'kitbench list -o json'")

// dashboardFlags are the source flags of `kitbench dashboard` and of
// `kitbench` alone: the same as list's.
type dashboardFlags struct {
	consul     string
	etcd       string
	targets    []string
	prometheus string
}

func (f *dashboardFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.consul, "consul", "", "registry address, host:port or URL (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	fl.StringVar(&f.etcd, "etcd", "", etcdFlagHelp)
	fl.StringArrayVar(&f.targets, "target", nil, "an instance's admin listener host:port, instead of a registry (repeatable)")
	fl.StringVar(&f.prometheus, "prometheus", "", workbench.PrometheusFlagHelp)
}

func (f *dashboardFlags) run(cmd *cobra.Command, _ []string) error {
	sources := 0
	for _, set := range []bool{f.consul != "", f.etcd != "", len(f.targets) > 0} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return workbench.Exit(workbench.ExitUsage, errors.New("--consul, --etcd and --target choose different sources: give one"))
	}
	return runDashboard(cmd.Context(), discovery.Options{Consul: f.consul, Etcd: f.etcd, Targets: f.targets}, f.prometheus, "", cmd.OutOrStdout())
}

func newDashboardCmd() *cobra.Command {
	var f dashboardFlags
	cmd := &cobra.Command{
		Use:     "dashboard",
		Short:   "Open the workbench: instances, breakers, rate limits and traces, live",
		Long:    help("dashboard"),
		Example: help("dashboard.examples"),
		Args:    cobra.NoArgs,
		RunE:    f.run,
	}
	f.add(cmd)
	return cmd
}

// addDashboardToRoot makes `kitbench` with no command open the dashboard,
// with the same flags as `kitbench dashboard`.
func addDashboardToRoot(root *cobra.Command) {
	var f dashboardFlags
	f.add(root)
	root.RunE = f.run
}

// openDashboard runs the workbench on the fleet registered at registry
// (the demo's).
func openDashboard(ctx context.Context, registry string, stdout, _ io.Writer) error {
	return runDashboard(ctx, discovery.Options{Consul: registry}, "", "demo fleet · registry "+registry, stdout)
}

// runDashboard watches the source with a hub (reading metrics from the
// Prometheus server at prom, or PROMETHEUS_URL, when one is named) and
// runs the dashboard in the terminal until the user quits or ctx ends.
func runDashboard(ctx context.Context, src discovery.Options, prom, label string, stdout io.Writer) error {
	if f, ok := stdout.(*os.File); !ok || !term.IsTerminal(f.Fd()) || !term.IsTerminal(os.Stdin.Fd()) {
		return errNoTerminal
	}
	ms, err := workbench.MetricsSource(prom, os.Getenv)
	if err != nil {
		return err
	}
	h, err := hub.New(hub.Options{Discovery: src, Introspect: introspect.Options{Token: workbench.AdminToken(ctx)}, Metrics: ms})
	if err != nil {
		return workbench.Exit(workbench.ExitUsage, err)
	}
	defer h.Close()
	sub := h.Subscribe(0)
	defer sub.Close()

	// Calls, history, recordings and sessions live in the working directory
	// (.kitbench/), so each project keeps its own.
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	acts := dashio.New(dir)
	acts.Token = workbench.AdminToken(ctx)
	defer acts.Close()

	st := styles.New(colorprofile.TrueColor) // rebuilt for the terminal's profile
	m, err := dashboard.New(dashboard.Options{
		Styles: &st, FollowProfile: true, Source: label,
		Call:     call.Deps{Caller: acts, History: acts.History, Recorder: acts},
		Sessions: acts.Sessions,
		Pager: func(text string, done tea.ExecCallback) tea.Cmd {
			return tea.ExecProcess(workbench.PagerCommand(text), done)
		},
		Hint:     workbench.StartAFleet,
		Export:   acts,
		Controls: acts,
	}, h, sub)
	if err != nil {
		return err
	}
	defer m.Close()
	_, err = tea.NewProgram(m, tea.WithContext(ctx), tea.WithOutput(stdout)).Run()
	if err != nil && ctx.Err() != nil {
		return nil // stopped by a signal: a normal end
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}
