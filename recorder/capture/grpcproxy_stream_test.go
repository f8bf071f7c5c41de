package capture_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/recorder/capture"
	"github.com/kitbench/kitbench/recorder/internal/booktest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
)

// metaHealthServer is a health service whose Check sets a header and a
// trailer, and whose Watch reports when its caller is gone.
type metaHealthServer struct {
	*health.Server
	watchEnded chan struct{}
}

func (m *metaHealthServer) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if err := grpc.SetHeader(ctx, metadata.Pairs("x-header", "h")); err != nil {
		return nil, err
	}
	if err := grpc.SetTrailer(ctx, metadata.Pairs("x-trailer", "t")); err != nil {
		return nil, err
	}
	if md, _ := metadata.FromIncomingContext(ctx); len(md["x-req"]) == 0 {
		return nil, status.Error(codes.InvalidArgument, "no x-req metadata")
	}
	return m.Server.Check(ctx, req)
}

func (m *metaHealthServer) Watch(req *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	err := m.Server.Watch(req, stream)
	close(m.watchEnded)
	return err
}

// TestGRPCProxyStreams forwards a server stream, with and without
// descriptors, and records it as a cancelled stream, and the unary call
// beside it; metadata goes both ways and the client's cancellation
// reaches the backend.
func TestGRPCProxyStreams(t *testing.T) {
	for _, mode := range []string{"descriptors", "bytes"} {
		t.Run(mode, func(t *testing.T) {
			hs := &metaHealthServer{Server: health.NewServer(), watchEnded: make(chan struct{})}
			srv := grpc.NewServer()
			healthpb.RegisterHealthServer(srv, hs)
			reflection.Register(srv)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = srv.Serve(ln); close(done) }()
			defer func() { srv.Stop(); <-done }()
			lookup := capture.MethodLookup(linked)
			if mode == "bytes" {
				lookup = nil
			}
			sink := new(lockedSink)
			p, cc := startProxy(t, ln.Addr().String(), sink, lookup)
			client := healthpb.NewHealthClient(cc)

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			watch, err := client.Watch(ctx, &healthpb.HealthCheckRequest{})
			if err != nil {
				t.Fatal(err)
			}
			first, err := watch.Recv()
			if err != nil || first.Status != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("first update: %v %v", first, err)
			}
			hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
			second, err := watch.Recv()
			if err != nil || second.Status != healthpb.HealthCheckResponse_NOT_SERVING {
				t.Fatalf("second update: %v %v", second, err)
			}
			cancel()
			select {
			case <-hs.watchEnded:
			case <-time.After(10 * time.Second):
				t.Fatal("the backend's Watch went on after the client cancelled")
			}
			if _, err := watch.Recv(); status.Code(err) != codes.Canceled {
				t.Errorf("after cancel: %v", err)
			}

			var hdr, trl metadata.MD
			mctx := metadata.AppendToOutgoingContext(t.Context(), "x-req", "r")
			resp, err := client.Check(mctx, &healthpb.HealthCheckRequest{}, grpc.Header(&hdr), grpc.Trailer(&trl))
			if err != nil || resp.Status != healthpb.HealthCheckResponse_NOT_SERVING {
				t.Fatalf("Check: %v %v", resp, err)
			}
			if len(hdr["x-header"]) != 1 || len(trl["x-trailer"]) != 1 {
				t.Errorf("header %v, trailer %v", hdr, trl)
			}
			listServices(t, cc) // tooling: neither recorded nor counted
			// The Watch handler may still be returning: wait for its count.
			for deadline := time.Now().Add(10 * time.Second); p.Streams() == 0 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			exs := sink.all()
			if p.Streams() != 1 || len(exs) != 2 || exs[1].Endpoint != "Check" { // not the reflection stream
				t.Fatalf("streams %d, recorded %+v", p.Streams(), exs)
			}
			w := exs[0]
			wantKind := recorder.StreamServer
			if mode == "bytes" {
				wantKind = "" // no descriptor: the kind is unknown
			}
			if w.Endpoint != "Watch" || w.Stream == nil || !w.Stream.Cancelled || w.Stream.Kind != wantKind ||
				len(w.Request.Messages) != 1 || len(w.Response.Messages) != 2 || w.Response.GRPCCode != int(codes.Canceled) {
				t.Errorf("Watch recorded as %+v", w)
			}
			r := exs[1].Response
			if r.Headers["x-header"][0] != "h" || r.Trailers["x-trailer"][0] != "t" || r.Headers["content-type"] != nil {
				t.Errorf("recorded metadata %v %v", r.Headers, r.Trailers)
			}
		})
	}
}

// listServices asks the backend's server reflection, through cc, for its
// services, as grpcurl and kitbench call do before a call.
func listServices(t *testing.T, cc *grpc.ClientConn) {
	t.Helper()
	stream, err := reflectionpb.NewServerReflectionClient(cc).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	req := &reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}
	if err := stream.Send(req); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil || len(resp.GetListServicesResponse().GetService()) == 0 {
		t.Fatalf("reflection through the proxy: %v %v", resp, err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != io.EOF {
		t.Fatalf("reflection stream end: %v", err)
	}
}

// TestGRPCProxyRecordsBookStreams records each kind of Book stream
// through the proxy, with the backend's descriptors, and replays the
// recording against a fresh Book service: it matches.
func TestGRPCProxyRecordsBookStreams(t *testing.T) {
	book := booktest.Start(t, nil, capture.Options{}, nil)
	sink := new(lockedSink)
	p, cc := startProxy(t, book.GRPCAddr, sink, linked)
	exs := waitFor(t, sink, booktest.StreamSession(t, cc))
	if p.Streams() != 3 {
		t.Errorf("streams %d, want 3", p.Streams())
	}
	for name, kind := range map[string]string{"WatchBooks": recorder.StreamServer, "ImportBooks": recorder.StreamClient, "SyncBooks": recorder.StreamBidi} {
		if ex := byEndpoint(t, exs, name); ex.Stream == nil || ex.Stream.Kind != kind || ex.Target != book.GRPCAddr {
			t.Errorf("%s recorded as %+v", name, ex)
		}
	}
	if rep := replayOn(t, exs, recorder.ReplayOptions{Ignore: streamIgnore}); rep.Failed != 0 {
		t.Errorf("replay:\n%s", explain(rep))
	}
}
