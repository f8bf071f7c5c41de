// Command gateway runs the Book API gateway: it serves the bookstore's HTTP
// routes and gRPC service, and answers each call by calling the bookstore
// fleet, found in the registry (or listed with -target), through load
// balancing with outlier ejection, retries and circuit breakers. It runs
// until SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/kit/introspect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr, nil)
	stop()
	os.Exit(code)
}

// targets is a repeatable, comma-separable -target flag.
type targets []string

func (t *targets) String() string { return strings.Join(*t, ",") }

func (t *targets) Set(v string) error {
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			*t = append(*t, a)
		}
	}
	return nil
}

// run is the command: it serves until ctx ends or a listener fails, and
// returns the exit code. started, if not nil, is told about the running
// gateway (for tests).
func run(ctx context.Context, args []string, stderr io.Writer, started func(*gateway.Instance)) int {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	httpAddr := fs.String("http-addr", "127.0.0.1:8090", "HTTP/JSON listen address")
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:8091", "gRPC listen address")
	adminAddr := fs.String("admin-addr", "127.0.0.1:0", "admin listener (introspection and /metrics); loopback unless you name another host")
	registry := fs.String("registry", defaultRegistry(), "Consul agent or `kitbench registry` to discover bookstore in and register with (host:port); empty: neither")
	var tgts targets
	fs.Var(&tgts, "target", "a bookstore instance (host:port of the -upstream transport) instead of discovery; repeat or separate with commas")
	upstream := fs.String("upstream", gateway.UpstreamGRPC, "how to call instances: grpc or http")
	id := fs.String("id", "", "instance id in discovery (default: gateway-<random>)")
	attempts := fs.Int("attempts", gateway.DefaultAttempts, "tries per call on different instances (CreateBook is tried once)")
	attemptTimeout := fs.Duration("attempt-timeout", gateway.DefaultAttemptTimeout, "deadline of each try")
	sampling := fs.Float64("trace-sampling", 1, "fraction of new traces to sample, 0 to 1")
	grace := fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish on shutdown")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: gateway [flags]\n\nServes the Book API (HTTP/JSON and gRPC) by calling the bookstore fleet through\ndiscovery, load balancing, retries and circuit breakers, with an admin listener\nfor kitbench. Start a registry and some bookstores first, or pass -target.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gateway: unexpected arguments %q\n", fs.Args())
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	gw, err := gateway.Start(gateway.Config{
		HTTPAddr: *httpAddr, GRPCAddr: *grpcAddr, AdminAddr: *adminAddr, InstanceID: *id,
		Logger: log, Registry: *registry, Targets: tgts, Upstream: *upstream,
		Controls: &introspect.ControlPolicy{}, // kitbench fault, breaker, limit, drain; loopback only
		Attempts: *attempts, AttemptTimeout: *attemptTimeout, TraceSampling: *sampling,
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if started != nil {
		started(gw)
	}
	code := 0
	select {
	case <-ctx.Done():
	case <-gw.Done():
		fmt.Fprintln(stderr, gw.Err())
		code = 1
	}
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := gw.Shutdown(sctx); err != nil {
		fmt.Fprintln(stderr, "gateway: shutdown:", err)
		return 1
	}
	return code
}

// defaultRegistry is CONSUL_HTTP_ADDR, as Consul's own tools read it, or
// Consul's default address, where `kitbench registry` also listens.
func defaultRegistry() string {
	if addr := os.Getenv("CONSUL_HTTP_ADDR"); addr != "" {
		return addr
	}
	return "127.0.0.1:8500"
}
