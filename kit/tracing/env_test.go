package tracing

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// httpCollector is an OTLP/HTTP trace receiver on loopback: it decodes
// each protobuf export request and remembers span names and service names.
type httpCollector struct {
	mu       sync.Mutex
	names    []string
	services []string
	requests int
}

func (c *httpCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if r.URL.Path != "/v1/traces" || err != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == string(serviceNameKey) {
				c.services = append(c.services, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.names = append(c.names, s.GetName())
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(b)
}

func startHTTPCollector(t *testing.T) (*httpCollector, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	col := &httpCollector{}
	srv := &http.Server{Handler: col}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return col, "http://" + lis.Addr().String()
}

// clearOTelEnv unsets the variables FromEnv reads, so the machine's own
// settings cannot change a test.
func clearOTelEnv(t *testing.T) {
	for _, k := range []string{EnvTracesExporter, EnvEndpoint, EnvTracesEndpoint, EnvProtocol, EnvTracesProtocol,
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"} {
		t.Setenv(k, "")
	}
}

func traceOne(t *testing.T, tp *Provider, name string) {
	t.Helper()
	ep := Middleware(tp, name)(func(context.Context, any) (any, error) { return nil, nil })
	if _, err := ep(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := tp.Shutdown(context.Background()); err != nil { // flushes the batch
		t.Fatal(err)
	}
}

// TestFromEnvExportsOverOTLPHTTP: the standard variables alone send spans
// to an OTLP/HTTP receiver, named by OTEL_SERVICE_NAME, and to the ring.
func TestFromEnvExportsOverOTLPHTTP(t *testing.T) {
	clearOTelEnv(t)
	col, url := startHTTPCollector(t)
	t.Setenv(EnvEndpoint, url)
	t.Setenv("OTEL_SERVICE_NAME", "renamed")
	ring := NewRing(8, nil)
	tp, err := NewProvider("svc", ring, FromEnv())
	if err != nil {
		t.Fatal(err)
	}
	traceOne(t, tp, "Exported")
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.names) != 1 || col.names[0] != "Exported" || len(col.services) != 1 || col.services[0] != "renamed" {
		t.Fatalf("receiver got spans %v of services %v", col.names, col.services)
	}
	if spans := allSpans(ring); len(spans) != 1 {
		t.Fatalf("ring holds %d spans, want 1", len(spans))
	}
}

// TestFromEnvGRPC: OTEL_EXPORTER_OTLP_PROTOCOL=grpc picks the gRPC exporter.
func TestFromEnvGRPC(t *testing.T) {
	clearOTelEnv(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	col := &collector{}
	gs := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(gs, col)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()
	t.Setenv(EnvTracesEndpoint, "http://"+lis.Addr().String())
	t.Setenv(EnvProtocol, "grpc")
	tp, err := NewProvider("svc", nil, FromEnv())
	if err != nil {
		t.Fatal(err)
	}
	traceOne(t, tp, "OverGRPC")
	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.names) != 1 || col.names[0] != "OverGRPC" {
		t.Fatalf("collector got %v", col.names)
	}
}

// TestFromEnvQuietWithoutEndpoint: with no endpoint and no exporter named,
// or with OTEL_TRACES_EXPORTER=none, nothing is exported.
func TestFromEnvQuietWithoutEndpoint(t *testing.T) {
	for _, tc := range []struct{ exporter, endpoint bool }{{false, false}, {true, true}} {
		clearOTelEnv(t)
		col, url := startHTTPCollector(t)
		if tc.endpoint {
			t.Setenv(EnvEndpoint, url)
		}
		if tc.exporter {
			t.Setenv(EnvTracesExporter, "none")
		}
		tp, err := NewProvider("svc", nil, FromEnv())
		if err != nil {
			t.Fatal(err)
		}
		traceOne(t, tp, "Kept")
		col.mu.Lock()
		n := col.requests
		col.mu.Unlock()
		if n != 0 {
			t.Fatalf("%+v: %d exports, want none", tc, n)
		}
	}
}

func TestFromEnvRefusesWhatItCannotHonour(t *testing.T) {
	for _, kv := range [][2]string{{EnvTracesExporter, "zipkin"}, {EnvProtocol, "http/json"}} {
		clearOTelEnv(t)
		t.Setenv(EnvEndpoint, "http://127.0.0.1:1")
		t.Setenv(kv[0], kv[1])
		if _, err := NewProvider("svc", nil, FromEnv()); !errors.Is(err, ErrEnv) {
			t.Errorf("%s=%s: err = %v, want ErrEnv", kv[0], kv[1], err)
		}
	}
}
