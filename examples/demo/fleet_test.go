package demo

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/transport"
	"github.com/kitbench/kitbench/probes/introspect"
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

// TestFleetMisbehavesThroughControls runs the demo with a short cycle and
// sees the misbehaviour the way the workbench does: the failing phase's
// faults are controls in bookstore-3's /info, set by the script; a call
// answers 503 with the reason fault_injected; and its span carries the
// fault event. The cycle repeats, so each wait is for the next time it
// happens, bounded.
func TestFleetMisbehavesThroughControls(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	f, err := Start(ctx, Options{RegistryAddr: "127.0.0.1:0", Rate: -1,
		Phases: [4]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	bad := f.Books[len(f.Books)-1]
	if f.Misbehaving != bad.InstanceID || f.Schedule.Durations[Failing] != 2*time.Second {
		t.Fatalf("misbehaving %q on %v", f.Misbehaving, f.Schedule)
	}
	c, err := introspect.New(bad.AdminAddr, introspect.Options{})
	if err != nil {
		t.Fatal(err)
	}

	waitFor(t, ctx, "bookstore-3's /info to list the failing phase's 4 faults", func() bool {
		info, err := c.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ctl := range info.Controls {
			if ctl.Kind == wire.ControlFault && ctl.Fault.ErrorRate == 1 && ctl.By == ScriptActor {
				n++
			}
		}
		return n == 4
	})
	waitFor(t, ctx, "a GetBook answered 503 fault_injected", func() bool {
		resp, err := http.Get("http://" + bad.HTTPAddr + "/v1/books/0000000000000001")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Reason string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode == http.StatusServiceUnavailable && body.Reason == transport.ReasonFaultInjected
	})
	page, err := c.Spans(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	injected := false
	for _, s := range page.Spans {
		for _, e := range s.Events {
			injected = injected || (e.Name == "fault" && e.Attributes["fault.endpoint"] == bookstore.MethodGetBook)
		}
	}
	if !injected {
		t.Fatalf("no span of bookstore-3 says a fault was injected into GetBook (%d spans)", len(page.Spans))
	}
}

// TestQuietFleetRunsNoScript: a quiet fleet has no misbehaving instance,
// and nothing sets a control on any instance.
func TestQuietFleetRunsNoScript(t *testing.T) {
	f, err := Start(context.Background(), Options{RegistryAddr: "127.0.0.1:0", Rate: -1, Quiet: true,
		Phases: [4]time.Duration{time.Millisecond, time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(context.Background())
	if f.Misbehaving != "" || f.Schedule != (Schedule{}) || f.script != nil || strings.Contains(f.Addresses().String(), "misbehaves") {
		t.Fatalf("quiet fleet: misbehaving %q, schedule %v\n%s", f.Misbehaving, f.Schedule, f.Addresses())
	}
	for _, b := range f.Books {
		c, err := introspect.New(b.AdminAddr, introspect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l, err := c.Controls(context.Background())
		if err != nil || !l.Enabled || len(l.Controls) != 0 {
			t.Fatalf("%s: controls %+v (%v), want enabled and none in force", b.InstanceID, l, err)
		}
	}
}

// waitFor polls cond every 50 ms until it holds, failing the test with
// what when ctx ends first.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
