// Command bookstore runs one instance of the Book service: HTTP/JSON and
// gRPC over the same endpoints, until SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("bookstore", flag.ContinueOnError)
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "HTTP/JSON listen address")
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:8081", "gRPC listen address")
	grace := fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight requests may take to finish on shutdown")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: bookstore [flags]\n\nRuns the Book service (kitbench's example) over HTTP/JSON and gRPC.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	inst, err := bookstore.Start(bookstore.Config{HTTPAddr: *httpAddr, GRPCAddr: *grpcAddr, Logger: log})
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
