package capture_test

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

// metaHealth answers Check setting a header, sending one and setting a
// trailer; a goroutine it leaves behind tries to set a header once the
// call is over and reports what that returned on late.
type metaHealth struct {
	healthpb.UnimplementedHealthServer
	release chan struct{}
	late    chan error
}

func (h *metaHealth) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	for _, err := range []error{
		grpc.SetHeader(ctx, metadata.Pairs("x-set", "1")),
		grpc.SendHeader(ctx, metadata.Pairs("x-sent", "2")),
		grpc.SetTrailer(ctx, metadata.Pairs("x-trailer", "3")),
	} {
		if err != nil {
			return nil, err
		}
	}
	go func() {
		<-h.release
		h.late <- grpc.SetHeader(ctx, metadata.Pairs("x-late", "4"))
	}()
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// serveHealth serves metaHealth on loopback behind interceptor and calls
// Check once with metadata, then lets the handler's goroutine try again.
func serveHealth(t *testing.T, interceptor grpc.UnaryServerInterceptor, after func()) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(interceptor))
	h := &metaHealth{release: make(chan struct{}), late: make(chan error, 1)}
	healthpb.RegisterHealthServer(srv, h)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	cc, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-req", "r", "authorization", "Bearer s3cr3t")
	var hdr, trl metadata.MD
	resp, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{Service: "svc"}, grpc.Header(&hdr), grpc.Trailer(&trl))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != healthpb.HealthCheckResponse_SERVING || hdr.Get("x-set")[0] != "1" || hdr.Get("x-sent")[0] != "2" || trl.Get("x-trailer")[0] != "3" {
		t.Fatalf("the call changed: %v, header %v, trailer %v", resp, hdr, trl)
	}
	after()
	close(h.release)
	return <-h.late
}

// checkMetadata checks the exchange of one metaHealth call.
func checkMetadata(t *testing.T, ex recorder.Exchange) {
	t.Helper()
	r := ex.Response
	if ex.Request.GRPCMethod != "/grpc.health.v1.Health/Check" || ex.Endpoint != "Check" || ex.Request.Headers["x-req"][0] != "r" ||
		r.Headers["x-set"][0] != "1" || r.Headers["x-sent"][0] != "2" || r.Trailers["x-trailer"][0] != "3" || r.Headers["x-late"] != nil {
		t.Errorf("recorded %+v", ex)
	}
	if string(ex.Request.Body.JSON) != `{"service":"svc"}` || string(r.Body.JSON) != `{"status":"SERVING"}` {
		t.Errorf("bodies %s and %s", ex.Request.Body.JSON, r.Body.JSON)
	}
}

// TestUnaryRecordsMetadata: request metadata, response headers and
// trailers are recorded (through a Capture and on the call's goroutine),
// secrets redacted; metadata set once the call is over is refused.
func TestUnaryRecordsMetadata(t *testing.T) {
	t.Run("capture", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "h.kitrec")
		w, err := recorder.Create(path, recorder.Header{}, recorder.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c := capture.New(w, capture.Options{})
		late := serveHealth(t, c.Unary, func() {
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		})
		if late == nil {
			t.Error("SetHeader after the call returned: no error")
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := recorder.ReadFile(path, recorder.ReadOptions{})
		if err != nil || len(s.Exchanges) != 1 {
			t.Fatalf("%v: %d exchanges", err, len(s.Exchanges))
		}
		checkMetadata(t, s.Exchanges[0])
		if a := s.Exchanges[0].Request.Headers["authorization"]; len(a) != 1 || a[0] != recorder.Placeholder {
			t.Errorf("authorization recorded as %q", a)
		}
	})
	t.Run("sync", func(t *testing.T) {
		var sink memSink
		late := serveHealth(t, capture.UnaryServerInterceptor(&sink, capture.Options{}), func() {})
		if late == nil {
			t.Error("SetHeader after the call returned: no error")
		}
		if len(sink.got) != 1 {
			t.Fatalf("%d exchanges", len(sink.got))
		}
		checkMetadata(t, sink.got[0])
	})
}

// TestUnaryBoundsMessages: a message whose JSON is longer than MaxBody is
// kept as its first MaxBody bytes, marked truncated, with its full size.
func TestUnaryBoundsMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.kitrec")
	w, err := recorder.Create(path, recorder.Header{}, recorder.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := capture.New(w, capture.Options{MaxBody: 8})
	_ = serveHealth(t, c.Unary, func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := recorder.ReadFile(path, recorder.ReadOptions{})
	if err != nil || len(s.Exchanges) != 1 {
		t.Fatalf("%v: %d exchanges", err, len(s.Exchanges))
	}
	q, r := s.Exchanges[0].Request.Body, s.Exchanges[0].Response.Body
	if !q.Truncated || string(q.Bytes) != `{"servic` || q.Size != int64(len(`{"service":"svc"}`)) ||
		!r.Truncated || !strings.HasPrefix(`{"status":"SERVING"}`, string(r.Bytes)) || len(r.Bytes) != 8 {
		t.Errorf("bodies not bounded: request %+v response %+v", q, r)
	}
}
