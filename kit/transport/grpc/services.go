package grpc

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
)

// RegisterStandardServices registers on s the services every kit gRPC
// server should offer: the standard health service (grpc.health.v1) and
// server reflection (v1 and v1alpha, which grpcurl and `kitbench call`
// use to find methods and message types).
//
// Call it after registering your own services: each of them, and the
// server as a whole (the empty service name), starts SERVING. Keep the
// returned Health and call its Shutdown method when the process starts to
// stop, before s.GracefulStop: load balancers and discovery see
// NOT_SERVING, and open Watch streams end, so that graceful stop waits for
// in-flight calls only.
func RegisterStandardServices(s *grpc.Server) *Health {
	h := &Health{Server: health.NewServer(), watches: map[*watchStream]struct{}{}}
	for name := range s.GetServiceInfo() {
		h.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	healthpb.RegisterHealthServer(s, h)
	reflection.Register(s)
	return h
}

// Health is the standard health service as RegisterStandardServices
// registers it: grpc-go's health.Server (whose methods it has), except
// that Shutdown also ends the Watch streams.
//
// A Watch stream is how grpc-go's client-side health checking follows a
// server, and it lasts as long as the connection. grpc-go's Shutdown only
// sends NOT_SERVING on it, so the stream stays open and GracefulStop waits
// for it until the caller gives up. Health ends each Watch stream once it
// has sent a status other than SERVING after Shutdown, with the status
// Unavailable, so a shutting-down server drains in the time its in-flight
// calls take.
type Health struct {
	*health.Server

	mu      sync.Mutex
	down    bool // Shutdown was called and Resume was not
	watches map[*watchStream]struct{}
}

// Shutdown sets every service NOT_SERVING and keeps it so (grpc-go's
// health.Server.Shutdown), then ends every Watch stream once it has sent
// that status. Watch calls that arrive later get NOT_SERVING (or
// SERVICE_UNKNOWN) and end at once.
func (h *Health) Shutdown() {
	h.mu.Lock()
	h.down = true
	for w := range h.watches {
		if w.sent && w.last != healthpb.HealthCheckResponse_SERVING {
			w.cancel()
		}
	}
	h.mu.Unlock()
	// Watchers that last sent SERVING get NOT_SERVING from here, and their
	// Send ends them.
	h.Server.Shutdown()
}

// Resume sets every service SERVING again and lets Watch streams stay open
// (grpc-go's health.Server.Resume). Streams already ended stay ended.
func (h *Health) Resume() {
	h.mu.Lock()
	h.down = false
	h.mu.Unlock()
	h.Server.Resume()
}

// Watch implements grpc.health.v1.Health/Watch with grpc-go's
// implementation, on a stream whose context Shutdown cancels.
func (h *Health) Watch(in *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	w := &watchStream{Health_WatchServer: stream, ctx: ctx, cancel: cancel, h: h}
	h.mu.Lock()
	h.watches[w] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.watches, w)
		h.mu.Unlock()
	}()
	err := h.Server.Watch(in, w)
	if stream.Context().Err() == nil && ctx.Err() != nil {
		return status.Error(codes.Unavailable, "server is shutting down")
	}
	return err
}

// watchStream is a Watch stream whose context Health can cancel. The
// fields below cancel are guarded by h.mu.
type watchStream struct {
	healthpb.Health_WatchServer
	ctx    context.Context
	cancel context.CancelFunc
	h      *Health
	sent   bool // a status was sent
	last   healthpb.HealthCheckResponse_ServingStatus
}

func (w *watchStream) Context() context.Context { return w.ctx }

// Send sends resp, and ends the stream when it told the client anything
// but SERVING while the server is shutting down.
func (w *watchStream) Send(resp *healthpb.HealthCheckResponse) error {
	err := w.Health_WatchServer.Send(resp)
	w.h.mu.Lock()
	w.sent, w.last = true, resp.GetStatus()
	if w.h.down && w.last != healthpb.HealthCheckResponse_SERVING {
		w.cancel()
	}
	w.h.mu.Unlock()
	return err
}
