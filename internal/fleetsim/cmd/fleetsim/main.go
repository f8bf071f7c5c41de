// Command fleetsim runs a simulated fleet for manual checks of the
// workbench at fleet scale:
//
//	go run ./internal/fleetsim/cmd/fleetsim -n 1000
//	CONSUL_HTTP_ADDR=<the address it prints> kitbench dashboard
//
// It serves N instances over loopback (see package fleetsim), registered
// in a dev registry of its own unless -registry names one, with
// background traffic, optional churn and breaker trips, until interrupted.
// It raises its soft open-file limit to the hard limit.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kitbench/kitbench/internal/fleetsim"
)

func main() {
	var (
		o          fleetsim.Options
		churnEvery time.Duration
		churnN     int
		tripEvery  time.Duration
	)
	flag.IntVar(&o.N, "n", 100, "number of instances")
	flag.StringVar(&o.Service, "service", fleetsim.DefaultService, "service name")
	flag.IntVar(&o.Services, "services", 1, "spread the instances over this many services")
	flag.IntVar(&o.PerListener, "per-listener", fleetsim.DefaultPerListener, "instances per admin listener (1: one listener each)")
	flag.StringVar(&o.Registry, "registry", "", "host:port of a registry to use (default: a dev registry of its own)")
	flag.Float64Var(&o.Rate, "rate", fleetsim.DefaultRate, "background calls per second per instance (negative: none)")
	flag.IntVar(&o.FailEvery, "fail-every", 0, "every Nth call fails (0: none)")
	flag.DurationVar(&churnEvery, "churn-every", 0, "replace -churn instances this often (0: no churn)")
	flag.IntVar(&churnN, "churn", 10, "instances replaced per churn")
	flag.DurationVar(&tripEvery, "trip-every", 0, "trip a random instance's breaker this often (0: never)")
	flag.Parse()
	if err := run(o, churnEvery, churnN, tripEvery); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(o fleetsim.Options, churnEvery time.Duration, churnN int, tripEvery time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := fleetsim.Start(o)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Printf("fleetsim: %d instances on %d admin listeners, registry %s\n", f.Len(), f.Listeners(), f.RegistryAddr())
	fmt.Printf("watch it with: CONSUL_HTTP_ADDR=%s kitbench dashboard\n", f.RegistryAddr())
	churn := tickerOrNil(churnEvery)
	trip := tickerOrNil(tripEvery)
	for {
		select {
		case <-ctx.Done():
			fmt.Println("fleetsim: stopping")
			return nil
		case <-churn:
			if err := f.Churn(churnN); err != nil {
				fmt.Fprintln(os.Stderr, "fleetsim: churn:", err)
			}
		case <-trip:
			ids := f.IDs()
			if len(ids) > 0 {
				f.Trip(ids[rand.IntN(len(ids))], 5*time.Second)
			}
		}
	}
}

// tickerOrNil returns a ticker's channel, or nil (never ready) for d ≤ 0.
// The tickers live as long as the process.
func tickerOrNil(d time.Duration) <-chan time.Time {
	if d <= 0 {
		return nil
	}
	return time.NewTicker(d).C
}
