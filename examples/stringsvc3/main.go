package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/instance"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "stringsvc3:", err)
		os.Exit(1)
	}
}

// run serves until SIGINT, SIGTERM or ctx's end; it writes the HTTP and
// admin addresses to out once listening.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stringsvc3", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "HTTP listen address")
	proxy := fs.String("proxy", "", "optional comma-separated list of instances to proxy uppercase requests to")
	registry := fs.String("registry", "", "registry (Consul or `kitbench registry`) to register with; empty: none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	inst, err := instance.New(instance.Config{Service: "stringsvc", Registry: *registry, Logger: logger})
	if err != nil {
		return err
	}
	addr, err := serve(inst, *listen, *proxy)
	if err != nil {
		_ = inst.Shutdown(context.Background())
		return err
	}
	fmt.Fprintf(out, "http %s admin %s\n", addr, inst.AdminAddr())
	return inst.Run(ctx)
}

// serve wires the service and listens on listen.
func serve(inst *instance.Instance, listen, proxy string) (string, error) {
	chars := prometheus.NewCounter(prometheus.CounterOpts{Name: "stringsvc_chars_total", Help: "Characters counted."})
	inst.Prometheus().MustRegister(chars)
	svc, err := proxying(inst, proxy, stringService{})
	if err != nil {
		return "", err
	}
	uppercase, count := makeUppercaseEndpoint(svc), makeCountEndpoint(counting{svc, chars.Add})
	router, err := newRouter(inst.Observe("Uppercase", "http")(uppercase), inst.Observe("Count", "http")(count))
	if err != nil {
		return "", err
	}
	return inst.ServeHTTP(listen, router)
}

// counting adds what Count counts to the service's own metric.
type counting struct {
	StringService
	add func(float64)
}

func (c counting) Count(ctx context.Context, s string) int {
	n := c.StringService.Count(ctx, s)
	c.add(float64(n))
	return n
}
