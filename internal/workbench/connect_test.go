package workbench

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/invoke"
)

// A method the instance serves over Thrift gets an error that says kitbench
// calls Thrift services through their HTTP or gRPC twin, and names it.
func TestThriftOnlyMethodNamesTheTwin(t *testing.T) {
	reg := wire.NewRegistry(wire.Info{Service: "bookstore", InstanceID: "b1"})
	reg.AddEndpoints(
		wire.EndpointDoc{Name: "GetBook", Transport: "thrift"},
		wire.EndpointDoc{Name: "GetBook", Transport: "grpc", GRPCMethod: "/bookstore.v1.BookService/GetBook"},
		wire.EndpointDoc{Name: "SellBook", Transport: "thrift"},
	)
	h := wire.NewHandler(reg)
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	inst := sd.Instance{ID: "b1", Meta: map[string]string{sd.MetaAdmin: srv.URL}}
	ctx := context.Background()
	noMethod := func(m string) error { return invoke.NotFound(invoke.ErrNoMethod, m, "the HTTP routes of x", nil) }

	err := thriftOnly(ctx, inst, "bookstore.SellBook", noMethod("SellBook"))
	if !errors.Is(err, invoke.ErrNoMethod) || !strings.Contains(err.Error(), "SellBook is served over Thrift only") ||
		!strings.Contains(err.Error(), "through the service's HTTP or gRPC twin") {
		t.Errorf("thrift-only method: %v", err)
	}
	err = thriftOnly(ctx, inst, "GetBook", noMethod("GetBook"))
	if !strings.Contains(err.Error(), "twin is gRPC /bookstore.v1.BookService/GetBook") {
		t.Errorf("method with a gRPC twin: %v", err)
	}
	plain := noMethod("Nope")
	if got := thriftOnly(ctx, inst, "Nope", plain); got != plain {
		t.Errorf("unknown everywhere: %v, want the error unchanged", got)
	}
	other := errors.New("boom")
	if got := thriftOnly(ctx, inst, "SellBook", other); got != other {
		t.Errorf("another error: %v, want it unchanged", got)
	}
}

// TestConnectTargetAdminOverHTTP: with --target naming a kit admin
// listener and --http, the routes come from that listener, as no
// registry publishes one (this failed when Connect read the routes from
// the instance's published admin address, which a target has not).
func TestConnectTargetAdminOverHTTP(t *testing.T) {
	inst := book(t, bookstore.Config{InstanceID: "book-1"})
	target := sd.Instance{ID: inst.AdminAddr, Service: "bookstore", Address: inst.AdminAddr, Health: sd.HealthPassing}
	inv, err := Connect(context.Background(), target, ConnectOptions{HTTP: true, Direct: true})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	res, err := inv.Invoke(context.Background(), invoke.Request{Method: "ListBooks"})
	if err != nil || res.Transport != invoke.HTTP || !res.OK() {
		t.Fatalf("%+v %v", res, err)
	}
}
