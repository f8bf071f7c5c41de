package workbench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/reflect/protoreflect"

	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
)

// ProxyOptions configure RecordProxy. Target and Out are required.
type ProxyOptions struct {
	// Duration stops the recording after this long; zero records until
	// the context ends.
	Duration time.Duration
	// Target is the service to record: host:port, or http://host:port
	// for HTTP; host:port for gRPC.
	Target string
	// Out is the session file, created with mode 0600, appended to if it
	// exists.
	Out string
	// Listen is where the proxy listens; empty means a free loopback port.
	Listen string
	// Service is the service name written in the session; empty writes none.
	Service string
	// GRPC proxies gRPC (plaintext) instead of HTTP: unary calls are
	// recorded, streams forwarded and counted.
	GRPC bool
	// Ready, when set, is called with the proxy's address once it listens.
	Ready func(addr string)
	// Warn, when set, hears why gRPC message bodies will be kept as bytes
	// (the target has no server reflection, or cannot be reached).
	Warn func(msg string)
}

// ProxyReport says what a recording proxy did.
type ProxyReport struct {
	// Recorded counts the exchanges written.
	Recorded int64
	// Streams counts the gRPC streaming calls forwarded, each recorded as
	// one stream exchange.
	Streams int64
}

// proxyGrace is how long a stopping proxy waits for calls in flight.
const proxyGrace = 5 * time.Second

// RecordProxy runs a recording proxy in front of o.Target until ctx ends
// or o.Duration has passed, then stops it (calls in flight get proxyGrace to finish) and closes the
// session file. Its error is the first of serving, closing the file, or
// an exchange that could not be written.
func RecordProxy(ctx context.Context, o ProxyOptions) (ProxyReport, error) {
	if o.Target == "" || o.Out == "" {
		return ProxyReport{}, errors.New("--target and --out are required")
	}
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	if o.GRPC {
		if _, _, err := net.SplitHostPort(o.Target); err != nil || strings.Contains(o.Target, "/") {
			return ProxyReport{}, fmt.Errorf("--target %q: with --grpc, give host:port", o.Target)
		}
	}
	w, err := recorder.OpenFile(o.Out, recorder.Header{Service: o.Service, Tool: "kitbench record"}, recorder.WriteOptions{})
	if err != nil {
		return ProxyReport{}, err
	}
	sink := &counting{next: w}
	var rep ProxyReport
	if o.GRPC {
		err = proxyGRPC(ctx, o, sink, &rep)
	} else {
		err = proxyHTTP(ctx, o, sink)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if p := sink.err.Load(); p != nil && err == nil {
		err = fmt.Errorf("writing %s: %w", o.Out, *p)
	}
	rep.Recorded = sink.n.Load()
	return rep, err
}

func listen(o ProxyOptions) (net.Listener, error) {
	addr := cmp.Or(o.Listen, "127.0.0.1:0")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %q: %w (choose another --listen)", addr, err)
	}
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	return ln, nil
}

func proxyHTTP(ctx context.Context, o ProxyOptions, sink *counting) error {
	h, err := capture.Proxy(o.Target, sink, capture.Options{Service: o.Service})
	if err != nil {
		return err
	}
	ln, err := listen(o)
	if err != nil {
		return err
	}
	srv := kithttp.NewHTTPServer("", h)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), proxyGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// proxyGRPC records through a capture.GRPCProxy, reading message
// descriptors through the target's server reflection.
func proxyGRPC(ctx context.Context, o ProxyOptions, sink *counting, rep *ProxyReport) error {
	backend, err := grpc.NewClient("passthrough:///"+o.Target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("--target %q: %w", o.Target, err)
	}
	defer backend.Close()
	lookup, closeLookup := reflectionLookup(ctx, o)
	defer closeLookup()
	p := capture.NewGRPCProxy(backend, sink, capture.Options{Service: o.Service}, lookup)
	ln, err := listen(o)
	if err != nil {
		return err
	}
	srv := p.NewServer()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		stopped := make(chan struct{})
		go func() { srv.GracefulStop(); close(stopped) }()
		t := time.NewTimer(proxyGrace)
		select {
		case <-stopped:
		case <-t.C: // streams still open: end them
			srv.Stop()
			<-stopped
		}
		t.Stop()
		err = <-served
	}
	rep.Streams = p.Streams()
	return err
}

// reflectionLookup finds methods through the target's server reflection.
// A target without reflection, or that cannot be reached, gets one
// warning and no lookup: messages are then kept as bytes.
func reflectionLookup(ctx context.Context, o ProxyOptions) (capture.MethodLookup, func()) {
	dctx, cancel := context.WithTimeout(ctx, DefaultConnectTimeout)
	defer cancel()
	g, err := invoke.DialGRPC(dctx, o.Target, invoke.GRPCOptions{})
	if err == nil {
		if _, err = g.Methods(dctx); err != nil {
			_ = g.Close()
		}
	}
	if err != nil {
		if o.Warn != nil {
			msg := fmt.Sprintf("no descriptors from %s (%v); message bodies are kept as bytes", o.Target, err)
			if errors.Is(err, invoke.ErrNoReflection) {
				msg = o.Target + " has no server reflection; message bodies are kept as bytes"
			}
			o.Warn(msg)
		}
		return nil, func() {}
	}
	// A lookup is bounded on its own, not by the call it serves: a call
	// its client gave up on is still recorded with readable messages, and
	// a target that stops answering reflection holds a call no longer
	// than DefaultConnectTimeout.
	lookup := func(ctx context.Context, full string) (protoreflect.MethodDescriptor, bool) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultConnectTimeout)
		defer cancel()
		md, err := g.MethodDescriptor(ctx, full)
		return md, err == nil
	}
	return lookup, func() { _ = g.Close() }
}

// counting counts the exchanges it passes on, and keeps the first error.
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
