package tracing

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/internal/testutil"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
)

func TestNewProviderNoService(t *testing.T) {
	if _, err := NewProvider("", nil); !errors.Is(err, ErrNoService) {
		t.Fatalf("err = %v, want ErrNoService", err)
	}
}

// collector is a fake OTLP trace collector that remembers span names.
type collector struct {
	coltracepb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	names []string
}

func (c *collector) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.names = append(c.names, s.GetName())
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// TestWithOTLP exports through a real gRPC connection to a fake collector
// on loopback, alongside the ring.
func TestWithOTLP(t *testing.T) {
	base := goleak.IgnoreCurrent()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{}
	gs := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(gs, col)
	served := make(chan error, 1)
	go func() { served <- gs.Serve(lis) }()

	ring := NewRing(8, nil)
	tp, err := NewProvider("svc", ring, WithOTLP(otlptracegrpc.WithEndpoint(lis.Addr().String()), otlptracegrpc.WithInsecure()))
	if err != nil {
		t.Fatal(err)
	}
	ep := Middleware(tp, "Exported")(func(context.Context, any) (any, error) { return nil, nil })
	if _, err := ep(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := tp.Shutdown(context.Background()); err != nil { // flushes the batch
		t.Fatal(err)
	}
	gs.Stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	col.mu.Lock()
	got := col.names
	col.mu.Unlock()
	if len(got) != 1 || got[0] != "Exported" {
		t.Errorf("collector received %v", got)
	}
	if spans := allSpans(ring); len(spans) != 1 {
		t.Errorf("ring holds %d spans, want 1", len(spans))
	}
	testutil.VerifyNone(t, base)
}
