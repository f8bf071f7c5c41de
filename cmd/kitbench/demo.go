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
	"github.com/kitbench/kitbench/probes/discovery"
)

func init() { subcommands = append(subcommands, newDemoCmd) }

type demoFlags struct {
	headless     bool
	registryAddr string
	etcd         string
	seed         int64
	rate         float64
	output       string
}

func newDemoCmd() *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run an example fleet in this process and open the dashboard on it",
		Long: `Run a small fleet built with kit, in this one process, and open the dashboard on it:

  - a registry on 127.0.0.1:8500 (Consul's address): kitbench's dev registry, unless a
    registry (a real Consul agent or another dev registry) already answers there;
  - three Book service instances sharing one store; the third misbehaves on a schedule
    (slow, then failing, then recovering), so breakers visibly open, go half-open and close;
  - the gateway, which calls the Book instances through discovery, a balancer with outlier
    ejection, retries and breakers, behind a rate limiter;
  - steady traffic through the gateway, with bursts that hit its rate limiter.

With --etcd ENDPOINTS (or ETCDCTL_ENDPOINTS) the fleet runs on that etcd instead:
every instance registers there and the gateway finds the Book service there; no
dev registry is started, and other commands find the fleet with --etcd too.

Every other kitbench command finds the fleet with no flags while the demo runs. Ctrl-C
stops everything cleanly; each instance leaves the registry.`,
		Example: `  kitbench demo                       # the fleet and the dashboard
  kitbench demo --headless            # the fleet only; then, in another terminal:
  kitbench list
  kitbench call bookstore.GetBook -d '{"id":"0000000000000001"}'
  kitbench demo --headless -o json    # addresses as one JSON object, for scripts
  kitbench demo --seed 42             # the same misbehaviour schedule every time
  kitbench demo --etcd 127.0.0.1:2379 # the fleet on etcd`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.output != "" && f.output != "text" && f.output != "json" {
				return fmt.Errorf("-o %q: want text or json", f.output)
			}
			if f.etcd == "" && !cmd.Flags().Changed("registry-addr") && os.Getenv("CONSUL_HTTP_ADDR") == "" {
				f.etcd = os.Getenv("ETCDCTL_ENDPOINTS")
			}
			if f.etcd != "" && cmd.Flags().Changed("registry-addr") {
				return fmt.Errorf("--etcd and --registry-addr name different registries: give one")
			}
			return runDemo(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.headless, "headless", false, "run the fleet without the dashboard; print its addresses and wait for Ctrl-C")
	fl.StringVar(&f.registryAddr, "registry-addr", demo.DefaultRegistryAddr, "registry to use, or to start when none answers there")
	fl.StringVar(&f.etcd, "etcd", "", "run the fleet on etcd at these comma-separated endpoints instead of a registry (default: ETCDCTL_ENDPOINTS when neither --registry-addr nor CONSUL_HTTP_ADDR is given)")
	fl.Int64Var(&f.seed, "seed", 0, "seed of the misbehaviour schedule (0: a new one each run)")
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
		RegistryAddr: f.registryAddr, Etcd: f.etcd, Seed: f.seed, Rate: rate, Logger: logger,
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
		return runDashboard(ctx, discovery.Options{Etcd: fleet.Registry}, "demo fleet · etcd at "+fleet.Registry, stdout)
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
