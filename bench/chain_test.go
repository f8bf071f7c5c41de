package bench

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	gokitcb "github.com/go-kit/kit/circuitbreaker"
	gokitendpoint "github.com/go-kit/kit/endpoint"
	gokitprom "github.com/go-kit/kit/metrics/prometheus"
	gokitrl "github.com/go-kit/kit/ratelimit"
	gokitlog "github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/logging"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/kit/transport"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker"
	"golang.org/x/time/rate"
)

// The middleware comparison: the realistic chain of issue 3 — logging at
// Info to io.Discard, RED metrics, a circuit breaker, a rate limiter that
// never refuses, tracing with sampling off — built from kit (impl=kit) and
// from go-kit v0.13.0's log, Prometheus metrics, gobreaker and ratelimit
// adapters (impl=gokit), against the bare endpoint (impl=bare). go-kit has
// no OpenTelemetry middleware (it offers OpenTracing, Zipkin and
// OpenCensus), so its chain has no tracing step: the comparison favours it.

const chainMethod = "GetBook"

// kitChain is the kit chain around next, in the order a service builds it,
// with kit/logging's defaults: a success is logged at Info without its
// request and response.
func kitChain(tb testing.TB, next endpoint.Endpoint) endpoint.Endpoint {
	return kitChainWith(tb, next)
}

// kitChainWith is kitChain with options for its logging middleware.
func kitChainWith(tb testing.TB, next endpoint.Endpoint, logOpts ...logging.Option) endpoint.Endpoint {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		tb.Fatal(err)
	}
	br, err := circuitbreaker.New(chainMethod,
		circuitbreaker.IsFailure(func(err error) bool { return transport.StatusOf(err) >= 500 }))
	if err != nil {
		tb.Fatal(err)
	}
	lim, err := ratelimit.NewErroring(chainMethod, 1e9, 1e6)
	if err != nil {
		tb.Fatal(err)
	}
	tp, err := tracing.NewProvider("bench", nil, tracing.WithSampleRatio(0))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return endpoint.Chain(
		tracing.Middleware(tp, chainMethod),
		logging.New(log, chainMethod, logOpts...),
		m.Middleware(chainMethod, "http"),
		lim.Middleware,
		br.Middleware,
	)(next)
}

// gokitChain is the same chain from go-kit's packages, written the way
// go-kit's examples write it: their loggers stamp every record with
// log.DefaultTimestampUTC, as slog's handlers stamp kit's records.
func gokitChain(next endpoint.Endpoint) endpoint.Endpoint {
	return gokitChainLogging(next, gokitlog.With(gokitlog.NewLogfmtLogger(io.Discard), "ts", gokitlog.DefaultTimestampUTC))
}

// gokitChainLogging is gokitChain logging to base.
func gokitChainLogging(next endpoint.Endpoint, base gokitlog.Logger) endpoint.Endpoint {
	logger := level.NewFilter(base, level.AllowInfo())
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gokit_requests_total", Help: "requests"},
		[]string{"endpoint", "transport", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gokit_request_duration_seconds", Help: "latency"},
		[]string{"endpoint", "transport"})
	prometheus.NewRegistry().MustRegister(requests, duration)
	count, hist := gokitprom.NewCounter(requests), gokitprom.NewHistogram(duration)

	logging := func(next gokitendpoint.Endpoint) gokitendpoint.Endpoint {
		return func(ctx context.Context, req any) (resp any, err error) {
			defer func(begin time.Time) {
				_ = level.Info(logger).Log("method", chainMethod, "request", req, "response", resp, "err", err, "took", time.Since(begin))
			}(time.Now())
			return next(ctx, req)
		}
	}
	instrument := func(next gokitendpoint.Endpoint) gokitendpoint.Endpoint {
		return func(ctx context.Context, req any) (any, error) {
			begin := time.Now()
			resp, err := next(ctx, req)
			code := "ok"
			if err != nil {
				code = strconv.Itoa(transport.StatusOf(err))
			}
			count.With("endpoint", chainMethod, "transport", "http", "code", code).Add(1)
			hist.With("endpoint", chainMethod, "transport", "http").Observe(time.Since(begin).Seconds())
			return resp, err
		}
	}
	e := gokitendpoint.Chain(
		logging,
		instrument,
		gokitrl.NewErroringLimiter(rate.NewLimiter(1e9, 1e6)),
		gokitcb.Gobreaker(gobreaker.NewCircuitBreaker(gobreaker.Settings{Name: chainMethod})),
	)(gokitendpoint.Endpoint(next))
	return endpoint.Endpoint(e)
}

// chainImpls wrap an endpoint in each implementation's chain. kitbodies is
// the kit chain logging every request and response at Info, as go-kit's
// chain does: the same record content. gokit-nots is go-kit's chain with
// records that carry no time, the way this comparison first built it: kit's
// records carry one, so it flatters go-kit; it stays for comparison.
var chainImpls = []struct {
	name string
	wrap func(testing.TB, endpoint.Endpoint) endpoint.Endpoint
}{
	{"bare", func(_ testing.TB, e endpoint.Endpoint) endpoint.Endpoint { return e }},
	{"kit", kitChain},
	{"kitbodies", func(tb testing.TB, e endpoint.Endpoint) endpoint.Endpoint {
		return kitChainWith(tb, e, logging.Bodies(slog.LevelInfo))
	}},
	{"gokit", func(_ testing.TB, e endpoint.Endpoint) endpoint.Endpoint { return gokitChain(e) }},
	{"gokit-nots", func(_ testing.TB, e endpoint.Endpoint) endpoint.Endpoint {
		return gokitChainLogging(e, gokitlog.NewLogfmtLogger(io.Discard))
	}},
}

// bookWithOne returns the Book endpoints over a store holding one book, and
// that book's id.
func bookWithOne(tb testing.TB) (bookstore.Endpoints, string) {
	store := bookstore.NewStore()
	b, err := store.CreateBook(context.Background(), bookstore.Book{Title: "Bench", Author: "Mark"})
	if err != nil {
		tb.Fatal(err)
	}
	return bookstore.MakeEndpoints(store), b.ID
}

// BenchmarkChain calls GetBook through each chain in-process.
func BenchmarkChain(b *testing.B) {
	for _, impl := range chainImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			e, id := bookWithOne(b)
			get := impl.wrap(b, e.GetBook)
			req := bookstore.GetBookRequest{ID: id}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := get(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The end-to-end comparison serves the Book service over HTTP in a child
// process: with no middleware (bare), with the Book service's own full
// chain as bookstore.Start builds it (kit: tracing with sampling off,
// logging at Info to io.Discard, metrics, limiter, breaker, plus the
// trace-context and token hooks), and with go-kit's chain (gokit).
func init() {
	benchutil.Register("book-bare", func(ln net.Listener) error {
		e, _ := bookWithOne(nil)
		return kithttp.NewHTTPServer("", bookstore.NewHTTPHandler(e)).Serve(ln)
	})
	benchutil.Register("book-gokit", func(ln net.Listener) error {
		e, _ := bookWithOne(nil)
		e = e.Wrap(func(_ string, next endpoint.Endpoint) endpoint.Endpoint { return gokitChain(next) })
		return kithttp.NewHTTPServer("", bookstore.NewHTTPHandler(e)).Serve(ln)
	})
	benchutil.Register("book-kit", func(ln net.Listener) error { return serveKitBook(ln, slog.LevelInfo) })
	benchutil.Register("book-kitwarn", func(ln net.Listener) error { return serveKitBook(ln, slog.LevelWarn) })
}

// serveKitBook runs bookstore.Start's instance, logging calls to io.Discard
// at level and above (Info logs every call; Warn only failures).
func serveKitBook(ln net.Listener, level slog.Level) error {
	// bookstore.Start opens its own listeners: hand it this address.
	addr := ln.Addr().String()
	ln.Close()
	store := bookstore.NewStore()
	if _, err := store.CreateBook(context.Background(), bookstore.Book{Title: "Bench", Author: "Mark"}); err != nil {
		return err
	}
	inst, err := bookstore.Start(bookstore.Config{
		HTTPAddr: addr, Service: store, RateLimit: 1e9, Burst: 1e6, NoExchangeRing: true, // the chain alone; recorder/capture measures the ring
		Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level})),
	})
	if err != nil {
		return err
	}
	<-inst.Done()
	return inst.Err()
}

// BenchmarkBookServerCPU reports the Book service's CPU per GetBook over
// loopback HTTP (server-ns/op), b.N requests over 4 keep-alive connections.
// impl=kitwarn is the kit instance with its logger at Warn, so successful
// calls are not formatted: the cost of the chain without the log handler's.
// Every impl but bare is measured in turns with a bare instance
// (benchutil.ReportPairedServerCPU), which also reports its CPU over the
// bare instance's for the same requests (server-cpu-ratio): the figure the
// 1.05× bar is checked on, since it does not drift with the machine.
func BenchmarkBookServerCPU(b *testing.B) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	get := func(c *benchutil.Child) func(int) error {
		url := "http://" + c.Addr + "/v1/books/0000000000000001"
		return func(int) error {
			resp, err := client.Get(url)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return &transport.Error{Status: resp.StatusCode, Msg: "GetBook: " + resp.Status}
			}
			return nil
		}
	}
	start := func(b *testing.B, name string) *benchutil.Child {
		c := benchutil.StartChild(b, name)
		if err := waitServing(get(c)); err != nil {
			b.Fatal(err)
		}
		if err := benchutil.Spread(1000, 4, get(c)); err != nil { // warm up both processes
			b.Fatal(err)
		}
		return c
	}
	send := func(c *benchutil.Child, n int) error { return benchutil.Spread(n, 4, get(c)) }
	for _, impl := range []string{"bare", "kit", "kitwarn", "gokit"} {
		b.Run("impl="+impl, func(b *testing.B) {
			c := start(b, "book-"+impl)
			if impl == "bare" {
				benchutil.ReportServerCPU(b, c, func() {
					if err := send(c, b.N); err != nil {
						b.Fatal(err)
					}
				})
				return
			}
			benchutil.ReportPairedServerCPU(b, c, start(b, "book-bare"), send)
		})
	}
}

// waitServing retries the first request briefly: the kit child re-binds the
// address benchutil chose, which takes a moment after it reports it.
func waitServing(get func(int) error) error {
	var err error
	for range 100 {
		if err = get(0); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}
