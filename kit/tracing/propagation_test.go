package tracing

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/introspect"
)

// checkHop asserts that the ring holds a client span and a server span of
// one trace, the server's parent being the client.
func checkHop(t *testing.T, ring *Ring) {
	t.Helper()
	spans := allSpans(ring)
	var client, server *introspect.Span
	for i := range spans {
		switch spans[i].Kind {
		case trace.SpanKindClient.String():
			client = &spans[i]
		case trace.SpanKindServer.String():
			server = &spans[i]
		}
	}
	if client == nil || server == nil {
		t.Fatalf("want a client and a server span, got %+v", spans)
	}
	if server.TraceID != client.TraceID {
		t.Errorf("trace ids differ: server %s, client %s", server.TraceID, client.TraceID)
	}
	if server.ParentSpanID != client.SpanID {
		t.Errorf("server parent = %q, want the client span %q", server.ParentSpanID, client.SpanID)
	}
}

func TestHTTPHop(t *testing.T) {
	base := goleak.IgnoreCurrent()
	tp, ring := newProvider(t)
	serverBefore := HTTPServerBefore(nil)
	serverEP := Middleware(tp, "GetBook")(func(context.Context, any) (any, error) { return nil, nil })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := serverBefore(r.Context(), r)
		if _, err := serverEP(ctx, nil); err != nil {
			http.Error(w, "failed", http.StatusInternalServerError)
		}
	}))
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr}
	clientBefore := HTTPClientBefore(propagation.TraceContext{})
	clientEP := Middleware(tp, "GetBook", WithSpanKind(trace.SpanKindClient))(func(ctx context.Context, _ any) (any, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if err != nil {
			return nil, err
		}
		clientBefore(ctx, req)
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		return nil, resp.Body.Close()
	})
	if _, err := clientEP(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	tr.CloseIdleConnections()
	checkHop(t, ring)
	testutil.VerifyNone(t, base)
}

// healthServer serves the standard health service through a kit endpoint.
type healthServer struct {
	healthpb.UnimplementedHealthServer
	before func(context.Context, metadata.MD) context.Context
	ep     func(context.Context, any) (any, error)
}

func (h *healthServer) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if _, err := h.ep(h.before(ctx, md), req); err != nil {
		return nil, err
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func TestGRPCHop(t *testing.T) {
	base := goleak.IgnoreCurrent()
	tp, ring := newProvider(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	healthpb.RegisterHealthServer(gs, &healthServer{
		before: GRPCServerBefore(nil),
		ep:     Middleware(tp, "Check")(func(context.Context, any) (any, error) { return nil, nil }),
	})
	served := make(chan error, 1)
	go func() { served <- gs.Serve(lis) }()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	client := healthpb.NewHealthClient(conn)
	clientBefore := GRPCClientBefore(nil)
	clientEP := Middleware(tp, "Check", WithSpanKind(trace.SpanKindClient))(func(ctx context.Context, _ any) (any, error) {
		var md metadata.MD // nil: the hook allocates it
		ctx = clientBefore(ctx, &md)
		if md.Get("traceparent") == nil {
			t.Error("client hook injected no traceparent")
		}
		return client.Check(metadata.NewOutgoingContext(ctx, md), &healthpb.HealthCheckRequest{})
	})
	if _, err := clientEP(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	gs.Stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	checkHop(t, ring)
	testutil.VerifyNone(t, base)
}

func TestGRPCClientBeforeNilPointer(t *testing.T) {
	tp, _ := newProvider(t)
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	defer span.End()
	if got := GRPCClientBefore(nil)(ctx, nil); got != ctx {
		t.Fatal("nil *MD: context changed")
	}
	md := metadata.Pairs("x-other", "1")
	GRPCClientBefore(nil)(ctx, &md)
	if len(md.Get("traceparent")) != 1 || len(md.Get("x-other")) != 1 {
		t.Fatalf("md = %v", md)
	}
}

// TestExtractMalformed checks that garbage in traceparent starts a new
// trace rather than failing or adopting it.
func TestExtractMalformed(t *testing.T) {
	for _, v := range []string{"", "garbage", "00-zzzz-yyyy-01", "00-00000000000000000000000000000000-0000000000000000-01"} {
		md := metadata.Pairs("traceparent", v)
		ctx := GRPCServerBefore(nil)(context.Background(), md)
		if trace.SpanContextFromContext(ctx).IsValid() {
			t.Errorf("traceparent %q was accepted", v)
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Traceparent", v)
		if trace.SpanContextFromContext(HTTPServerBefore(nil)(context.Background(), r)).IsValid() {
			t.Errorf("HTTP traceparent %q was accepted", v)
		}
	}
}

func TestHTTPBaggageAndStateCrossTheHop(t *testing.T) {
	// The caller's side: a span context with trace state, and baggage.
	ts, err := trace.ParseTraceState("vendor=abc")
	if err != nil {
		t.Fatal(err)
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, TraceState: ts,
	})
	m, err := baggage.NewMember("tenant", "acme")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	ctx := baggage.ContextWithBaggage(trace.ContextWithSpanContext(context.Background(), sc), bag)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	HTTPClientBefore(nil)(ctx, r)
	// Headers are set under their canonical names, so any reader finds them.
	if r.Header.Get("traceparent") == "" || r.Header.Get("tracestate") != "vendor=abc" || r.Header.Get("baggage") != "tenant=acme" {
		t.Fatalf("injected headers %v", r.Header)
	}
	// A second baggage header, as a proxy may add, is read too.
	r.Header.Add("Baggage", "region=eu")
	got := HTTPServerBefore(nil)(context.Background(), r)
	gsc := trace.SpanContextFromContext(got)
	if gsc.TraceID() != sc.TraceID() || gsc.SpanID() != sc.SpanID() || gsc.TraceState().Get("vendor") != "abc" {
		t.Errorf("extracted span context %+v", gsc)
	}
	gb := baggage.FromContext(got)
	if gb.Member("tenant").Value() != "acme" || gb.Member("region").Value() != "eu" {
		t.Errorf("extracted baggage %q", gb.String())
	}
}
