//lint:file-ignore SA1019 v1alpha reflection is deprecated, and tested on purpose: older grpcurl and IDE clients still ask for it.

package grpc_test

import (
	"slices"
	"testing"

	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/internal/testutil"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
)

func serveStandard(t *testing.T) (*grpc.ClientConn, *kitgrpc.Health) {
	var hs *kitgrpc.Health
	cc := serve(t, func(g *grpc.Server) {
		bookpb.RegisterBookServiceServer(g, newBookService(newShelf()))
		hs = kitgrpc.RegisterStandardServices(g)
	})
	return cc, hs
}

func TestHealth(t *testing.T) {
	testutil.NoLeaks(t)
	cc, hs := serveStandard(t)
	hc := healthpb.NewHealthClient(cc)
	check := func(service string) healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		resp, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Fatalf("Check(%q): %v", service, err)
		}
		return resp.GetStatus()
	}
	for _, svc := range []string{"", "bookstore.v1.BookService"} {
		if got := check(svc); got != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v before shutdown", svc, got)
		}
	}
	hs.Shutdown()
	for _, svc := range []string{"", "bookstore.v1.BookService"} {
		if got := check(svc); got != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Errorf("Check(%q) = %v after shutdown", svc, got)
		}
	}
}

func TestReflectionListsServices(t *testing.T) {
	testutil.NoLeaks(t)
	cc, _ := serveStandard(t)
	want := []string{"bookstore.v1.BookService", "grpc.health.v1.Health"}

	v1, err := reflectionv1.NewServerReflectionClient(cc).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := v1.Send(&reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := v1.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("v1 reflection lists %v, missing %s", names, w)
		}
	}
	if err := v1.CloseSend(); err != nil {
		t.Fatal(err)
	}

	alpha, err := reflectionv1alpha.NewServerReflectionClient(cc).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := alpha.Send(&reflectionv1alpha.ServerReflectionRequest{
		MessageRequest: &reflectionv1alpha.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	aresp, err := alpha.Recv()
	if err != nil {
		t.Fatal(err)
	}
	names = names[:0]
	for _, s := range aresp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !slices.Contains(names, "bookstore.v1.BookService") {
		t.Errorf("v1alpha reflection lists %v", names)
	}
	if err := alpha.CloseSend(); err != nil {
		t.Fatal(err)
	}
}
