package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kitbench/kitbench/internal/sanitize"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

func init() { subcommands = append(subcommands, newRecordCmd) }

func newRecordCmd() *cobra.Command {
	var (
		target, out, listen, service string
		duration                     time.Duration
		grpcMode                     bool
	)
	cmd := &cobra.Command{
		Use:   "record --target ADDR --out FILE",
		Short: "Record the HTTP or gRPC traffic to a service through a proxy",
		Long: `Record starts a proxy on --listen in front of the service at --target and
writes every request that passes through it, with its response, to --out
(a .kitrec session, created with mode 0600, appended to if it exists).
Point your client at the proxy's address. Recording stops after --duration,
or on Ctrl-C.

By default the proxy is an HTTP reverse proxy. With --grpc it is a gRPC
proxy (plaintext) that forwards every call, streams included, and records
the unary ones; their messages are written as JSON with descriptors read
through the target's server reflection, or kept as bytes when the target
has none. Streaming calls are forwarded but not recorded (an exchange
holds one request and one response), and counted; server reflection,
which kitbench call and grpcurl use on their own, is neither.

Secrets are redacted before they reach the file (Authorization, cookies,
API-key and token headers, token query parameters, JWTs in bodies; gRPC
authorization metadata).`,
		Example: `  kitbench record --target 127.0.0.1:8080 --out session.kitrec
  kitbench record --target 127.0.0.1:8080 --listen 127.0.0.1:9999 --duration 1m --out session.kitrec
  kitbench record --grpc --target 127.0.0.1:9090 --listen 127.0.0.1:9999 --out session.kitrec`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if target == "" || out == "" {
				return errors.New("--target and --out are required")
			}
			if grpcMode {
				if _, _, err := net.SplitHostPort(target); err != nil || strings.Contains(target, "/") {
					return fmt.Errorf("--target %q: with --grpc, give host:port", target)
				}
			}
			ctx := cmd.Context()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			if grpcMode {
				return runRecordGRPC(ctx, cmd, target, out, listen, service)
			}
			return runRecord(ctx, cmd, target, out, listen, service)
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target", "", "service to record: host:port, or http://host:port for HTTP")
	f.StringVar(&out, "out", "", "session file to write (.kitrec)")
	f.StringVar(&listen, "listen", "127.0.0.1:0", "address the proxy listens on (default: a free loopback port)")
	f.StringVar(&service, "service", "", "service name written in the session")
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: until Ctrl-C)")
	f.BoolVar(&grpcMode, "grpc", false, "proxy gRPC instead of HTTP: record unary calls, forward streams")
	return cmd
}

// counting counts the exchanges it passes on.
type counting struct {
	next recorder.Appender
	n    atomic.Int64
	err  atomic.Pointer[error]
}

func (c *counting) Append(ex recorder.Exchange) error {
	err := c.next.Append(ex)
	if err == nil {
		c.n.Add(1)
	} else {
		c.err.CompareAndSwap(nil, &err)
	}
	return err
}

// finish closes w, the file at out that c wrote to, once serving ended
// with err, and returns the first error of the three: serving, closing,
// or an Append that failed on the way.
func (c *counting) finish(w *recorder.Writer, out string, err error) error {
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if p := c.err.Load(); p != nil && err == nil {
		err = fmt.Errorf("writing %s: %w", out, *p)
	}
	return err
}

func runRecord(ctx context.Context, cmd *cobra.Command, target, out, listen, service string) error {
	stdout := cmd.OutOrStdout()
	w, err := recorder.OpenFile(out, recorder.Header{Service: service, Tool: "kitbench record"}, recorder.WriteOptions{})
	if err != nil {
		return err
	}
	sink := &counting{next: w}
	h, err := capture.Proxy(target, sink, capture.Options{Service: service})
	if err != nil {
		_ = w.Close()
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		_ = w.Close()
		return fmt.Errorf("cannot listen on %q: %w (choose another --listen)", listen, err)
	}
	srv := kithttp.NewHTTPServer("", h)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "recording http://%s → %s into %s\n  send requests to the proxy; press Ctrl-C to stop\n", ln.Addr(), target, out)

	select {
	case err = <-served:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	if err := sink.finish(w, out, err); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded %d exchanges in %s\n", sink.n.Load(), out)
	return nil
}

// runRecordGRPC records through a capture.GRPCProxy, reading message
// descriptors through the target's server reflection.
func runRecordGRPC(ctx context.Context, cmd *cobra.Command, target, out, listen, service string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	w, err := recorder.OpenFile(out, recorder.Header{Service: service, Tool: "kitbench record"}, recorder.WriteOptions{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		_ = w.Close()
		return fmt.Errorf("cannot listen on %q: %w (choose another --listen)", listen, err)
	}
	backend, err := grpc.NewClient("passthrough:///"+target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		_ = ln.Close()
		_ = w.Close()
		return fmt.Errorf("--target %q: %w", target, err)
	}
	lookup, closeLookup := reflectionLookup(ctx, target, stderr)
	sink := &counting{next: w}
	p := capture.NewGRPCProxy(backend, sink, capture.Options{Service: service}, lookup)
	srv := p.NewServer()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "recording gRPC on %s → %s into %s\n  point your gRPC client at the proxy; press Ctrl-C to stop\n", ln.Addr(), target, out)

	select {
	case err = <-served:
	case <-ctx.Done():
		stopped := make(chan struct{})
		go func() { srv.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second): // streams still open: end them
			srv.Stop()
			<-stopped
		}
		err = <-served
	}
	closeLookup()
	_ = backend.Close()
	if err := sink.finish(w, out, err); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded %d exchanges in %s\nstreaming calls proxied, not recorded: %d\n", sink.n.Load(), out, p.Streams())
	return nil
}

// reflectionLookup finds methods through target's server reflection. A
// target without reflection, or that cannot be reached, gets one warning
// line and no lookup: messages are then kept as bytes.
func reflectionLookup(ctx context.Context, target string, stderr io.Writer) (capture.MethodLookup, func()) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	g, err := invoke.DialGRPC(dctx, target, invoke.GRPCOptions{})
	if err == nil {
		if _, err = g.Methods(dctx); err != nil {
			_ = g.Close()
		}
	}
	switch {
	case errors.Is(err, invoke.ErrNoReflection):
		fmt.Fprintf(stderr, "warning: %s has no server reflection; message bodies are kept as bytes\n", target)
	case err != nil:
		fmt.Fprintf(stderr, "warning: no descriptors from %s (%s); message bodies are kept as bytes\n", target, sanitize.Line(err.Error(), 0))
	}
	if err != nil {
		return nil, func() {}
	}
	lookup := func(_ context.Context, full string) (protoreflect.MethodDescriptor, bool) {
		md, err := g.MethodDescriptor(full)
		return md, err == nil
	}
	return lookup, func() { _ = g.Close() }
}
