package grpc_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/kitbench/kitbench/internal/benchutil"
	"github.com/kitbench/kitbench/kit/circuitbreaker"
	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/internal/streamtest"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/logging"
	"github.com/kitbench/kitbench/kit/metrics"
	"github.com/kitbench/kitbench/kit/ratelimit"
	"github.com/kitbench/kitbench/kit/tracing"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The stream benchmarks compare a server-streaming Count handler written
// against grpc-go (impl=raw) with the same work done by a stream endpoint
// behind a kit StreamServer, bare (impl=kit) or wrapped in the full stream
// middleware chain (impl=chain). Each stream sends the same prebuilt
// message n times.

var benchMsg = wrapperspb.String("a book changed")

// rawCount is what protoc-gen-go-grpc generates for a server-streaming
// method (receive the request, wrap the stream in its generic type) and a
// hand-written implementation of it.
func rawCount(_ any, ss grpc.ServerStream) error {
	req := new(wrapperspb.Int64Value)
	if err := ss.RecvMsg(req); err != nil {
		return err
	}
	return rawCountImpl(req, &grpc.GenericServerStream[wrapperspb.Int64Value, wrapperspb.StringValue]{ServerStream: ss})
}

func rawCountImpl(req *wrapperspb.Int64Value, ss grpc.ServerStreamingServer[wrapperspb.StringValue]) error {
	for range req.GetValue() {
		if err := ss.Send(benchMsg); err != nil {
			return err
		}
	}
	return nil
}

func kitCount(_ context.Context, s endpoint.Stream) error {
	m, err := s.Recv()
	if err != nil {
		return err
	}
	for range streamtest.Value(m) {
		if err := s.Send(benchMsg); err != nil {
			return err
		}
	}
	return nil
}

// fullStreamChain is every stream middleware kit has, configured as a
// service would run them: logging at Info (one record per stream), metrics,
// tracing with sampling off (as in the unary chain benchmark), a closed
// breaker, a limiter that never refuses, and the introspection count.
func fullStreamChain() endpoint.StreamMiddleware {
	reg := prometheus.NewRegistry()
	m, err := metrics.NewStream(reg)
	if err != nil {
		panic(err)
	}
	tp, err := tracing.NewProvider("bench", nil, tracing.WithSampleRatio(0))
	if err != nil {
		panic(err)
	}
	br, err := circuitbreaker.New("Count")
	if err != nil {
		panic(err)
	}
	lim, err := ratelimit.NewErroring("Count", rate.Limit(1e9), 1e9)
	if err != nil {
		panic(err)
	}
	ir := introspect.NewRegistry(introspect.Info{Service: "bench"})
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return endpoint.ChainStream(ir.StreamMiddleware("Count", "grpc"), tracing.StreamMiddleware(tp, "Count"),
		logging.NewStream(log, "Count"), m.StreamMiddleware("Count", "grpc"), br.StreamMiddleware, lim.StreamMiddleware)
}

var streamImpls = []struct {
	name     string
	register func(*grpc.Server)
}{
	{"raw", func(g *grpc.Server) {
		desc := streamtest.Desc
		desc.Streams = []grpc.StreamDesc{{StreamName: "Count", ServerStreams: true, Handler: rawCount}}
		g.RegisterService(&desc, nil)
	}},
	{"kit", func(g *grpc.Server) {
		g.RegisterService(&streamtest.Desc, &streamtest.Servers{Count: kitgrpc.NewStreamServer(kitCount, nil, nil)})
	}},
	{"chain", func(g *grpc.Server) {
		g.RegisterService(&streamtest.Desc, &streamtest.Servers{Count: kitgrpc.NewStreamServer(fullStreamChain()(kitCount), nil, nil)})
	}},
}

func init() {
	for _, impl := range streamImpls {
		benchutil.Register("stream-"+impl.name, func(ln net.Listener) error {
			g := grpc.NewServer()
			impl.register(g)
			return g.Serve(ln)
		})
	}
}

// countStream runs one Count stream of n messages and reads them all.
func countStream(ctx context.Context, cc grpc.ClientConnInterface, n int64) error {
	cs, err := cc.NewStream(ctx, &streamtest.Desc.Streams[0], streamtest.CountMethod)
	if err != nil {
		return err
	}
	if err := cs.SendMsg(wrapperspb.Int64(n)); err != nil {
		return err
	}
	if err := cs.CloseSend(); err != nil {
		return err
	}
	m := new(wrapperspb.StringValue)
	for {
		if err := cs.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// BenchmarkStreamServer measures one Count stream of msgs messages over
// loopback to an in-process server; allocs/op counts both ends, so the
// difference between impl=kit and impl=raw is what the StreamServer adds
// per stream (msgs=1) and, with msgs=100, shows it adds nothing per
// message.
func BenchmarkStreamServer(b *testing.B) {
	for _, msgs := range []int64{1, 100} {
		for _, impl := range streamImpls[:2] {
			b.Run("msgs="+itoa(msgs)+"/impl="+impl.name, func(b *testing.B) {
				cc := serve(b, impl.register)
				ctx := context.Background()
				if err := countStream(ctx, cc, msgs); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := countStream(ctx, cc, msgs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func itoa(n int64) string {
	if n == 1 {
		return "1"
	}
	return "100"
}

// countMessages receives exactly n messages from streams of 100 (and one
// shorter stream for the remainder).
func countMessages(cc grpc.ClientConnInterface, n int) error {
	ctx := context.Background()
	for n > 0 {
		k := min(n, 100)
		if err := countStream(ctx, cc, int64(k)); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// BenchmarkStreamServerCPU measures the server's own CPU time per message
// (server-ns/op) on 100-message Count streams, each impl in a child
// process, measured in turns with a raw child
// (benchutil.ReportPairedServerCPU): server-cpu-ratio is the impl's CPU
// over raw's for the same messages.
func BenchmarkStreamServerCPU(b *testing.B) {
	start := func(b *testing.B, name string) (*benchutil.Child, *grpc.ClientConn) {
		child := benchutil.StartChild(b, "stream-"+name)
		cc, err := grpc.NewClient(child.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cc.Close() })
		if err := countMessages(cc, 5000); err != nil { // warm up both ends
			b.Fatal(err)
		}
		return child, cc
	}
	for _, impl := range streamImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			child, cc := start(b, impl.name)
			if impl.name == "raw" {
				benchutil.ReportServerCPU(b, child, func() {
					if err := countMessages(cc, b.N); err != nil {
						b.Fatal(err)
					}
				})
				return
			}
			base, baseCC := start(b, "raw")
			conns := map[*benchutil.Child]*grpc.ClientConn{child: cc, base: baseCC}
			benchutil.ReportPairedServerCPU(b, child, base, func(to *benchutil.Child, n int) error {
				return countMessages(conns[to], n)
			})
		})
	}
}
