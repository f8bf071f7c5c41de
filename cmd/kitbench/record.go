package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

func init() { subcommands = append(subcommands, newRecordCmd) }

func newRecordCmd() *cobra.Command {
	var (
		target, out, listen, service string
		duration                     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "record --target ADDR --out FILE",
		Short: "Record the HTTP traffic to a service through a proxy",
		Long: `Record starts a reverse proxy on --listen in front of the HTTP service at
--target and writes every request that passes through it, with its response,
to --out (a .kitrec session, created with mode 0600, appended to if it exists).
Point your client at the proxy's address. Recording stops after --duration,
or on Ctrl-C.

Secrets are redacted before they reach the file (Authorization, cookies,
API-key and token headers, token query parameters, JWTs in bodies).
Only HTTP is proxied; record gRPC with the capture interceptor
(github.com/kitbench/kitbench/recorder/capture) in the service itself.`,
		Example: `  kitbench record --target 127.0.0.1:8080 --out session.kitrec
  kitbench record --target 127.0.0.1:8080 --listen 127.0.0.1:9999 --duration 1m --out session.kitrec`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if target == "" || out == "" {
				return errors.New("--target and --out are required")
			}
			ctx := cmd.Context()
			if duration > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, duration)
				defer cancel()
			}
			return runRecord(ctx, cmd, target, out, listen, service)
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target", "", "HTTP service to record: host:port or http://host:port")
	f.StringVar(&out, "out", "", "session file to write (.kitrec)")
	f.StringVar(&listen, "listen", "127.0.0.1:0", "address the proxy listens on (default: a free loopback port)")
	f.StringVar(&service, "service", "", "service name written in the session")
	f.DurationVar(&duration, "duration", 0, "stop after this long (default: until Ctrl-C)")
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
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if p := sink.err.Load(); p != nil && err == nil {
		err = fmt.Errorf("writing %s: %w", out, *p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "recorded %d exchanges in %s\n", sink.n.Load(), out)
	return nil
}
