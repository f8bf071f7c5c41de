package grpc

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// RegisterStandardServices registers on s the services every kit gRPC
// server should offer: the standard health service (grpc.health.v1) and
// server reflection (v1 and v1alpha, which grpcurl and `kitbench call`
// use to find methods and message types).
//
// Call it after registering your own services: each of them, and the
// server as a whole (the empty service name), starts SERVING. Keep the
// returned health server and call its Shutdown method when the process
// starts to stop, so that load balancers and discovery see NOT_SERVING
// before in-flight requests drain.
func RegisterStandardServices(s *grpc.Server) *health.Server {
	hs := health.NewServer()
	for name := range s.GetServiceInfo() {
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	healthpb.RegisterHealthServer(s, hs)
	reflection.Register(s)
	return hs
}
