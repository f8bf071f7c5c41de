package workbench

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kitbench/kitbench/examples/bookstore"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/invoke"
)

func TestSplitMethod(t *testing.T) {
	for _, tc := range []struct {
		arg             string
		direct          bool
		service, method string
	}{
		{"bookstore.GetBook", false, "bookstore", "bookstore.GetBook"},
		{" bookstore.GetBook ", false, "bookstore", "bookstore.GetBook"},
		{"bookstore.bookstore.v1.BookService/GetBook", false, "bookstore", "bookstore.v1.BookService/GetBook"},
		{"helloworld.Greeter.SayHello", true, "helloworld.Greeter", "helloworld.Greeter.SayHello"},
		{"helloworld.Greeter/SayHello", true, "helloworld.Greeter", "helloworld.Greeter/SayHello"},
		{"GetBook", false, "", ""},
		{".GetBook", false, "", ""},
		{"bookstore.", false, "", ""},
		{"SayHello", true, "", ""},
		{"helloworld.Greeter.", true, "", ""},
	} {
		s, m, err := SplitMethod(tc.arg, tc.direct)
		if s != tc.service || m != tc.method || (err != nil) != (tc.service == "") {
			t.Errorf("SplitMethod(%q, %v) = %q, %q, %v; want %q, %q", tc.arg, tc.direct, s, m, err, tc.service, tc.method)
		}
	}
}

func TestOrderPutsHealthyFirstFromARotatingStart(t *testing.T) {
	insts := []sd.Instance{
		{ID: "a", Health: sd.HealthPassing}, {ID: "b", Health: sd.HealthCritical},
		{ID: "c", Health: sd.HealthPassing}, {ID: "d", Health: sd.HealthPassing}, {ID: "e", Health: sd.HealthWarning},
	}
	ids := func(in []sd.Instance) (out []string) {
		for _, i := range in {
			out = append(out, i.ID)
		}
		return out
	}
	for start, want := range [][]string{{"a", "c", "d", "b", "e"}, {"c", "d", "a", "b", "e"}, {"d", "a", "c", "b", "e"}} {
		if got := ids(Order(insts, func(n int) int { return start })); !slices.Equal(got, want) {
			t.Errorf("start %d: %v, want %v", start, got, want)
		}
	}
	if got := ids(insts); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("Order changed its input: %v", got)
	}
}

func TestCandidates(t *testing.T) {
	reg := registry(t)
	a := book(t, bookstore.Config{Registry: reg, InstanceID: "book-a"})
	book(t, bookstore.Config{Registry: reg, InstanceID: "book-b"})
	ctx := context.Background()

	cands, err := Candidates(ctx, Source{Consul: reg}, "bookstore")
	if err != nil || len(cands) != 2 {
		t.Fatalf("candidates %+v, %v", cands, err)
	}
	for _, pick := range []string{"book-a", a.GRPCAddr, a.HTTPAddr} {
		cands, err := Candidates(ctx, Source{Consul: reg, Instance: pick}, "bookstore")
		if err != nil || len(cands) != 1 || cands[0].ID != "book-a" || cands[0].Meta[sd.MetaGRPC] != a.GRPCAddr {
			t.Errorf("--instance %s: %+v, %v", pick, cands, err)
		}
	}
	if _, err := Candidates(ctx, Source{Consul: reg, Instance: "book-z"}, "bookstore"); !errors.Is(err, ErrNoCandidates) {
		t.Errorf("unknown instance: %v", err)
	}
	if _, err := Candidates(ctx, Source{Consul: reg}, "nope"); !errors.Is(err, ErrNoCandidates) || !errors.Is(err, invoke.ErrNoService) {
		t.Errorf("unknown service: %v", err)
	}
	if _, err := Candidates(ctx, Source{Consul: closedAddr(t)}, "bookstore"); !errors.Is(err, ErrNoCandidates) {
		t.Errorf("no registry: %v", err)
	}
	cands, err = Candidates(ctx, Source{Target: "127.0.0.1:9"}, "helloworld.Greeter")
	if err != nil || len(cands) != 1 || cands[0].Address != "127.0.0.1:9" || cands[0].Service != "helloworld.Greeter" {
		t.Errorf("target: %+v, %v", cands, err)
	}
	if _, err := Candidates(ctx, Source{Target: "nowhere"}, "x"); err == nil || errors.Is(err, ErrNoCandidates) {
		t.Errorf("a target that is not host:port is a usage error: %v", err)
	}
}

func TestFromHubFillsAddressesFromInfo(t *testing.T) {
	in := hub.Instance{Key: hub.Key{Service: "bookstore", InstanceID: "b1"}, Address: "127.0.0.1:1", Health: sd.HealthPassing,
		Admin: "http://127.0.0.1:3", Meta: map[string]string{sd.MetaHTTP: "127.0.0.1:2", "zone": "a"},
		Info: &wire.Info{Transports: []wire.Transport{{Name: "grpc", Addr: "127.0.0.1:4"}, {Name: "http", Addr: "127.0.0.1:5"}}}}
	got := FromHub(in)
	want := map[string]string{sd.MetaGRPC: "127.0.0.1:4", sd.MetaHTTP: "127.0.0.1:2", sd.MetaAdmin: "http://127.0.0.1:3", "zone": "a"}
	if got.ID != "b1" || got.Service != "bookstore" || got.Address != "127.0.0.1:1" || got.Health != sd.HealthPassing || len(got.Meta) != len(want) {
		t.Fatalf("FromHub = %+v", got)
	}
	for k, v := range want {
		if got.Meta[k] != v {
			t.Errorf("meta %s = %q, want %q", k, got.Meta[k], v)
		}
	}
	if in.Meta[sd.MetaGRPC] != "" {
		t.Error("FromHub changed the hub's metadata")
	}
}
