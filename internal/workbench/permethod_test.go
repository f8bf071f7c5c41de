package workbench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"

	"github.com/kitbench/kitbench/kit/endpoint"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
	"github.com/kitbench/kitbench/probes/invoke"
)

type countRequest struct {
	S string `json:"s"`
}

type countResponse struct {
	V int `json:"v"`
}

func loopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestCallHTTPOnlyMethodOfGRPCInstance: an instance publishing gRPC (here
// only the standard services) and HTTP has a method gRPC lacks called over
// HTTP, and the answer says it came over HTTP; a method served nowhere is
// still ErrNoMethod. Before, the gRPC invoker's ErrNoMethod was the end.
func TestCallHTTPOnlyMethodOfGRPCInstance(t *testing.T) {
	gs := grpc.NewServer()
	kitgrpc.RegisterStandardServices(gs)
	gln := loopback(t)
	go func() { _ = gs.Serve(gln) }()
	t.Cleanup(gs.Stop)

	rt := kithttp.NewRouter()
	count := endpoint.Typed(func(_ context.Context, r countRequest) (countResponse, error) {
		return countResponse{V: len(r.S)}, nil
	})
	if err := rt.Handle("Count", "POST", "/count", kithttp.NewServer(count, kithttp.DecodeJSONRequest[countRequest], kithttp.EncodeJSONResponse)); err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: rt}
	hln := loopback(t)
	go func() { _ = hs.Serve(hln) }()
	t.Cleanup(func() { _ = hs.Close() })

	reg := wire.NewRegistry(wire.Info{Service: "stringsvc", InstanceID: "s1"})
	reg.AddTransport(wire.Transport{Name: "http", Addr: hln.Addr().String()})
	reg.AddTransport(wire.Transport{Name: "grpc", Addr: gln.Addr().String()})
	reg.AddEndpoints(rt.Endpoints()...)
	ah := wire.NewHandler(reg)
	t.Cleanup(func() { ah.Close() })
	as := &http.Server{Handler: ah}
	aln := loopback(t)
	go func() { _ = as.Serve(aln) }()
	t.Cleanup(func() { _ = as.Close() })

	inst := sd.Instance{ID: "s1", Service: "stringsvc", Address: hln.Addr().String(), Meta: map[string]string{
		sd.MetaGRPC: gln.Addr().String(), sd.MetaHTTP: hln.Addr().String(), sd.MetaAdmin: "http://" + aln.Addr().String()}}
	ctx := context.Background()
	inv, err := Connect(ctx, inst, ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	res, err := inv.Invoke(ctx, invoke.Request{Method: "Count", Body: []byte(`{"s":"abc"}`)})
	if err != nil || !res.OK() || res.Transport != invoke.HTTP || !strings.Contains(string(res.Body), `"v":3`) {
		t.Fatalf("Count: %+v, %v", res, err)
	}
	s, err := inv.Describe(ctx, "Count")
	if err != nil || s.Transport != invoke.HTTP || len(s.Request.Fields) != 1 || s.Request.Fields[0].Name != "s" {
		t.Fatalf("Describe: %+v, %v", s, err)
	}
	ms, err := inv.Methods(ctx)
	if err != nil || !strings.Contains(strings.Join(ms, " "), "Count") {
		t.Fatalf("Methods = %v, %v", ms, err)
	}
	if _, err := inv.Invoke(ctx, invoke.Request{Method: "Nope"}); !errors.Is(err, invoke.ErrNoMethod) {
		t.Fatalf("Nope: %v, want ErrNoMethod", err)
	}
	// --http is honoured as before: HTTP for everything.
	h, err := Connect(ctx, inst, ConnectOptions{HTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if res, err := h.Invoke(ctx, invoke.Request{Method: "Count", Body: []byte(`{"s":""}`)}); err != nil || res.Transport != invoke.HTTP {
		t.Fatalf("--http: %+v %v", res, err)
	}
}
