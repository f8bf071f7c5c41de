package demo

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"go.uber.org/goleak"
)

func consulClient(t *testing.T, addr string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = addr
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFleetRunsRegistersAndStops(t *testing.T) {
	before := goleak.IgnoreCurrent()
	f, err := Start(context.Background(), Options{RegistryAddr: "127.0.0.1:0", Seed: 1, Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !f.OwnRegistry || f.Registry == "127.0.0.1:0" || len(f.Books) != 3 || f.Misbehaving != "bookstore-3" {
		t.Fatalf("fleet: %+v", f.Addresses())
	}
	c := consulClient(t, f.Registry)
	for svc, want := range map[string]int{bookstore.ServiceName: 3, "gateway": 1} {
		entries, _, err := c.Health().Service(svc, "", true, nil)
		if err != nil || len(entries) != want {
			t.Fatalf("%s: %d registered (%v), want %d", svc, len(entries), err, want)
		}
	}
	// The gateway answers, and the traffic generator is calling it.
	resp, err := http.Get("http://" + f.Gateway.HTTPAddr + "/v1/books/0000000000000001")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GetBook through the gateway: %v %v", resp, err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := http.Get("http://" + f.Gateway.AdminAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		// The watchers have started watches (the series exists from the
		// start, at 0).
		const watches = `kit_streams_started_total{endpoint="WatchBooks",transport="grpc"} `
		if strings.Contains(string(body), `kit_requests_total{code="ok",endpoint="ListBooks",transport="http"}`) &&
			strings.Contains(string(body), watches) && !strings.Contains(string(body), watches+"0\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no traffic reached the gateway")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := f.Addresses().String(); !strings.Contains(s, "misbehaves") || strings.Count(s, "\n") != 5 {
		t.Fatalf("addresses:\n%s", s)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", f.Registry); err == nil {
		c.Close()
		t.Fatal("the demo's registry still listens after Close")
	}
	http.DefaultClient.CloseIdleConnections()
	testutil.VerifyNone(t, before)
}

func TestFleetUsesARunningRegistry(t *testing.T) {
	first, err := Start(context.Background(), Options{RegistryAddr: "127.0.0.1:0", Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(context.Background())
	second, err := Start(context.Background(), Options{RegistryAddr: first.Registry, Rate: -1, Books: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close(context.Background())
	if second.OwnRegistry || second.Registry != first.Registry {
		t.Fatalf("second fleet: own=%v registry=%s", second.OwnRegistry, second.Registry)
	}
}

func TestFleetRefusesANonRegistry(t *testing.T) {
	srv := &http.Server{Handler: http.NotFoundHandler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	_, err = Start(context.Background(), Options{RegistryAddr: ln.Addr().String(), Rate: -1})
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "--registry-addr") {
		t.Fatalf("err = %v", err)
	}
}
