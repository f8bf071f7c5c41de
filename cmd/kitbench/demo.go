package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kitbench/kitbench/examples/demo"
	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/discovery"
)

func init() { subcommands = append(subcommands, newDemoCmd) }

type demoFlags struct {
	headless     bool
	quiet        bool
	registryAddr string
	etcd         string
	seed         int64
	rate         float64
	output       string
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:     "demo",
		Short:   "Run an example fleet in this process and open the dashboard on it",
		Long:    help("demo"),
		Example: help("demo.examples"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.output != "" && f.output != "text" && f.output != "json" {
				return fmt.Errorf("-o %q: want text or json", f.output)
			}
			if f.etcd == "" {
				f.etcd = workbench.EtcdFromEnv(cmd.Flags().Changed("registry-addr"), os.Getenv)
			}
			if f.etcd != "" && cmd.Flags().Changed("registry-addr") {
				return fmt.Errorf("--etcd and --registry-addr name different registries: give one")
			}
			if f.quiet && cmd.Flags().Changed("seed") {
				return fmt.Errorf("--seed fixes the fault script's schedule, and --quiet runs no script: give one")
			}
			return runDemo(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.headless, "headless", false, "run the fleet without the dashboard; print its addresses and wait for Ctrl-C")
	fl.BoolVar(&f.quiet, "quiet", false, "run no fault script: every instance behaves until you inject faults yourself (kitbench fault)")
	fl.StringVar(&f.registryAddr, "registry-addr", demo.DefaultRegistryAddr, "registry to use, or to start when none answers there")
	fl.StringVar(&f.etcd, "etcd", "", "run the fleet on etcd at these comma-separated endpoints instead of a registry (default: ETCDCTL_ENDPOINTS when neither --registry-addr nor CONSUL_HTTP_ADDR is given)")
	fl.Int64Var(&f.seed, "seed", 0, "seed of the fault script's schedule (0: a new one each run)")
	fl.Float64Var(&f.rate, "rate", demo.DefaultRate, "steady traffic in requests per second (0 for none)")
	fl.StringVarP(&f.output, "output", "o", "text", "with --headless, how to print the addresses: text or json")
	return cmd
}

// runDemo starts the fleet, shows it, and stops it when ctx ends.
func runDemo(ctx context.Context, f demoFlags, stdout, stderr io.Writer) error {
	rate := f.rate
	if rate == 0 {
		rate = -1 // demo.Options: negative means no traffic
	}
	where := "registry " + f.registryAddr
	if f.etcd != "" {
		where = "etcd at " + f.etcd
	}
	fmt.Fprintf(stderr, "starting the demo fleet (%s)…\n", where)
	// Headless, the fleet's warnings go to stderr; under the dashboard they
	// would tear its screen, and what they say shows in the views.
	logger := slog.New(slog.DiscardHandler)
	if f.headless {
		logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	fleet, err := demo.Start(ctx, demo.Options{
		RegistryAddr: f.registryAddr, Etcd: f.etcd, Seed: f.seed, Quiet: f.quiet, Rate: rate, Logger: logger,
	})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := fleet.Close(sctx); err != nil {
			fmt.Fprintf(stderr, "kitbench: stopping the demo: %v\n", err)
		}
	}()
	if !f.headless && fleet.OnEtcd {
		return runDashboard(ctx, discovery.Options{Etcd: fleet.Registry}, "", "demo fleet · etcd at "+fleet.Registry, stdout)
	}
	if !f.headless {
		return openDashboard(ctx, fleet.Registry, stdout, stderr)
	}
	addrs := fleet.Addresses()
	if f.output == "json" {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(addrs); err != nil {
			return err
		}
	} else {
		fmt.Fprint(stdout, addrs.String())
	}
	fmt.Fprintln(stdout, "ready: the demo fleet is running; press Ctrl-C to stop")
	<-ctx.Done()
	fmt.Fprintln(stderr, "stopping the demo fleet…")
	return nil
}
