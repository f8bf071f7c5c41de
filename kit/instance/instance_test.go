package instance_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/instance"
	"github.com/kitbench/kitbench/kit/sd"
	kitgrpc "github.com/kitbench/kitbench/kit/transport/grpc"
	kithttp "github.com/kitbench/kitbench/kit/transport/http"
)

type upperRequest struct {
	S string `json:"s"`
}

type upperResponse struct {
	V string `json:"v"`
}

// testServiceDesc is a one-method gRPC service registered by hand, so the
// test needs no generated code.
var testServiceDesc = grpc.ServiceDesc{
	ServiceName: "strings.v1.StringService",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{MethodName: "Uppercase", Handler: func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
		return nil, errors.New("unused")
	}}},
}

// TestInstanceRegistersAndIntrospects runs an instance over real loopback
// listeners and a real registry: the registration carries each listener
// in the form kit's readers expect, introspection shows the breaker and
// the limiter made through the helper, the routes' fields and the gRPC
// methods with no hand-written docs, and /metrics has the Go runtime,
// process and kit metrics; cancelling Run deregisters.
func TestInstanceRegistersAndIntrospects(t *testing.T) {
	registry := startRegistry(t)
	inst, err := instance.New(instance.Config{Service: "strsvc", Registry: registry})
	if err != nil {
		t.Fatal(err)
	}
	br, err := inst.Breaker("Uppercase")
	if err != nil {
		t.Fatal(err)
	}
	lim, err := inst.ErroringLimiter("strsvc", 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	upper := endpoint.Typed(func(_ context.Context, r upperRequest) (upperResponse, error) {
		return upperResponse{V: strings.ToUpper(r.S)}, nil
	})
	e := endpoint.Chain(inst.Observe("Uppercase", "http"), lim.Middleware, br.Middleware)(upper)
	rt := kithttp.NewRouter()
	if err := rt.Handle("Uppercase", "POST", "/uppercase", kithttp.NewServer(e, kithttp.DecodeJSONRequest[upperRequest], kithttp.EncodeJSONResponse)); err != nil {
		t.Fatal(err)
	}
	httpAddr, err := inst.ServeHTTP("", rt)
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	gs.RegisterService(&testServiceDesc, struct{}{})
	kitgrpc.RegisterStandardServices(gs)
	grpcAddr, err := inst.ServeGRPC("", gs)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- inst.Run(ctx) }()
	es := waitService(t, registry, "strsvc", func(es []entry) bool { return len(es) == 1 })
	meta := es[0].Service.Meta
	if es[0].Service.ID != inst.ID() || !strings.HasPrefix(inst.ID(), "strsvc-") ||
		meta[sd.MetaHTTP] != httpAddr || meta[sd.MetaGRPC] != grpcAddr || meta[sd.MetaAdmin] != "http://"+inst.AdminAddr() {
		t.Fatalf("registered %+v; want id %s, http %s, grpc %s, admin http://%s", es[0].Service, inst.ID(), httpAddr, grpcAddr, inst.AdminAddr())
	}
	if tags := strings.Join(es[0].Service.Tags, ","); tags != "http,grpc" {
		t.Fatalf("tags %q", tags)
	}

	resp, err := http.Post("http://"+httpAddr+"/uppercase", "application/json", strings.NewReader(`{"s":"kit"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("call: %v %v", resp, err)
	}
	resp.Body.Close()

	admin := "http://" + inst.AdminAddr()
	if b := get(t, admin+"/debug/kit/v1/breakers"); !strings.Contains(b, `"name":"Uppercase"`) {
		t.Errorf("breakers: %s", b)
	}
	if l := get(t, admin+"/debug/kit/v1/limiters"); !strings.Contains(l, `"name":"strsvc"`) || !strings.Contains(l, `"allowed":1`) {
		t.Errorf("limiters: %s", l)
	}
	info := get(t, admin+"/debug/kit/v1/info")
	for _, want := range []string{`"request":{"type":"instance_test.upperRequest","fields":[{"name":"s","type":"string"}]}`,
		`"grpc_method":"/strings.v1.StringService/Uppercase"`, `"name":"grpc","addr":"` + grpcAddr} {
		if !strings.Contains(info, want) {
			t.Errorf("info lacks %s:\n%s", want, info)
		}
	}
	if strings.Contains(info, "grpc.health") {
		t.Errorf("info lists the health service:\n%s", info)
	}
	if r := get(t, admin+"/debug/kit/v1/red"); !strings.Contains(r, `"endpoint":"Uppercase","transport":"http","codes":{"ok":1}`) {
		t.Errorf("red (the compact RED resource the workbench reads): %s", r)
	}
	m := get(t, admin+"/metrics")
	for _, want := range []string{"go_goroutines", "process_cpu_seconds_total", `kit_requests_total{code="ok",endpoint="Uppercase",transport="http"} 1`,
		`kit_breaker_state{breaker="Uppercase"} 0`, `kit_ratelimit_allowed_total{limiter="strsvc"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Run: %v", err)
	}
	waitService(t, registry, "strsvc", func(es []entry) bool { return len(es) == 0 })
	if _, err := http.Get(admin + "/debug/kit/v1/info"); err == nil {
		t.Error("the admin listener still answers after Run returned")
	}
}

func TestNewRefusesEmptyService(t *testing.T) {
	if _, err := instance.New(instance.Config{}); !errors.Is(err, instance.ErrConfig) {
		t.Fatalf("err = %v", err)
	}
}

// TestRunFailsWithoutRegistry: an unreachable registry fails Run after
// everything it started is stopped, unless the registry is optional.
func TestRunFailsWithoutRegistry(t *testing.T) {
	for _, optional := range []bool{false, true} {
		inst, err := instance.New(instance.Config{Service: "strsvc", Registry: "127.0.0.1:1", RegistryOptional: optional})
		if err != nil {
			t.Fatal(err)
		}
		addr, err := inst.ServeHTTP("", http.NotFoundHandler())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if optional {
			cancel() // Run serves unregistered until the context ends
		}
		err = inst.Run(ctx)
		cancel()
		if optional != (err == nil) {
			t.Fatalf("optional=%v: Run = %v", optional, err)
		}
		if !optional && !strings.Contains(err.Error(), "cannot register with the registry at 127.0.0.1:1") {
			t.Fatalf("error does not say what to do: %v", err)
		}
		if _, err := http.Get("http://" + addr); err == nil {
			t.Fatalf("optional=%v: the HTTP listener outlived Run", optional)
		}
	}
}
