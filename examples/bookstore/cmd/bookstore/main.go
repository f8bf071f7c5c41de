// Command bookstore runs one instance of the Book service: HTTP/JSON and
// gRPC over the same endpoints, until SIGINT or SIGTERM.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/auth/jwt"
	"github.com/kitbench/kitbench/kit/introspect"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("bookstore", flag.ContinueOnError)
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "HTTP/JSON listen address")
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:8081", "gRPC listen address")
	thriftAddr := fs.String("thrift-addr", "", "Thrift listener (framed socket; binary and compact protocols); empty: none")
	adminAddr := fs.String("admin-addr", "127.0.0.1:0", "admin listener (introspection and /metrics); loopback unless you name another host")
	registry := fs.String("registry", defaultRegistry(), "Consul agent or `kitbench registry` to register with (host:port); empty: do not register")
	id := fs.String("id", "", "instance id in discovery (default: bookstore-<random>)")
	sampling := fs.Float64("trace-sampling", 1, "fraction of new traces to sample, 0 to 1")
	jwtSecretFile := fs.String("jwt-secret-file", "", "file holding an HS256 secret (at least 32 bytes); when set, CreateBook and DeleteBook need a bearer token")
	grace := fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish on shutdown")
	level := slog.LevelInfo
	fs.TextVar(&level, "log-level", level, "lowest level logged to stderr: debug (calls with their requests and responses), info (one line per call), warn, error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bookstore [flags]\n\nRuns the Book service (kitbench's example) over HTTP/JSON and gRPC, with an\nadmin listener for kitbench, and registers it with the registry.\n\nStart a registry first (`go run ./cmd/kitbench registry`) or pass -registry=\"\".\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	cfg := bookstore.Config{
		HTTPAddr: *httpAddr, GRPCAddr: *grpcAddr, ThriftAddr: *thriftAddr, AdminAddr: *adminAddr, InstanceID: *id,
		Logger: log, Registry: *registry, TraceSampling: *sampling,
		Controls: &introspect.ControlPolicy{}, // kitbench fault, breaker, limit, drain; loopback only
		// Without -registry, a missing registry is a warning: the service
		// still runs for curl and gRPC clients.
		RegistryOptional: !explicit["registry"] && os.Getenv("CONSUL_HTTP_ADDR") == "",
	}
	if *jwtSecretFile != "" {
		secret, err := os.ReadFile(*jwtSecretFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bookstore: -jwt-secret-file: %v\n", err)
			return 1
		}
		cfg.JWT = &jwt.Config{Methods: []string{"HS256"}, Keys: map[string]any{"": bytes.TrimSpace(secret)}}
	}
	inst, err := bookstore.Start(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-inst.Done():
		fmt.Fprintln(os.Stderr, inst.Err())
		return 1
	}
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := inst.Shutdown(sctx); err != nil {
		fmt.Fprintln(os.Stderr, "bookstore: shutdown:", err)
		return 1
	}
	return 0
}

// defaultRegistry is CONSUL_HTTP_ADDR, as Consul's own tools read it, or
// Consul's default address, where `kitbench registry` also listens.
func defaultRegistry() string {
	if addr := os.Getenv("CONSUL_HTTP_ADDR"); addr != "" {
		return addr
	}
	return "127.0.0.1:8500"
}
