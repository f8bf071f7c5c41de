package gateway_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kitbench/kitbench/examples/bookstore"
	bookpb "github.com/kitbench/kitbench/examples/bookstore/pb"
	"github.com/kitbench/kitbench/examples/gateway"
	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/sd/lb"
)

func TestCallsAreSpreadOverInstances(t *testing.T) {
	for _, upstream := range []string{gateway.UpstreamGRPC, gateway.UpstreamHTTP} {
		t.Run("upstream="+upstream, func(t *testing.T) {
			f := newFleet(t, func(c *gateway.Config) { c.Upstream = upstream })
			for i := range 30 {
				if code := f.listHTTP(t); code != http.StatusOK {
					t.Fatalf("HTTP call %d: %d", i, code)
				}
				if err := f.listGRPC(t); err != nil {
					t.Fatalf("gRPC call %d: %v", i, err)
				}
			}
			// P2C over idle instances draws uniformly: an instance left out
			// of 60 calls has probability 3·(2/3)^60 ≈ 10⁻¹⁰.
			var total int64
			for i, b := range f.books {
				n := b.calls.Load()
				if n == 0 {
					t.Errorf("instance %d served no call", i)
				}
				total += n
			}
			if total != 60 {
				t.Errorf("instances served %d calls, want 60 (one per call, no retries)", total)
			}

			// Errors keep their meaning through the gateway: NotFound is
			// not retried and stays NotFound.
			before := total
			_, err := f.grpc.GetBook(context.Background(), &bookpb.GetBookRequest{Id: "0000000000000009"})
			if status.Code(err) != codes.NotFound {
				t.Fatalf("GetBook of a missing book: %v, want NotFound", err)
			}
			var after int64
			for _, b := range f.books {
				after += b.calls.Load()
			}
			if after != before+1 {
				t.Fatalf("a 404 cost %d calls, want 1", after-before)
			}
			// Over HTTP the 404's message is the Book service's, with nothing
			// of the upstream: no method name, no instance address.
			resp, err := f.http.Get("http://" + f.gw.HTTPAddr + "/v1/books/0000000000000009")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"error":"book not found"`) ||
				strings.Contains(string(body), "bookstore.v1") || strings.Contains(string(body), "127.0.0.1") {
				t.Fatalf("404 through the gateway: %d %s", resp.StatusCode, body)
			}
			// A write lands on exactly one instance.
			created, err := f.grpc.CreateBook(context.Background(), &bookpb.CreateBookRequest{Book: &bookpb.Book{Title: "Dune", Author: "Frank Herbert"}})
			if err != nil || created.GetId() == "" {
				t.Fatalf("CreateBook: %v %v", created, err)
			}
			found := 0
			for _, b := range f.books {
				resp, err := f.http.Get("http://" + b.HTTPAddr + "/v1/books/" + created.GetId())
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					found++
				}
			}
			if found != 1 {
				t.Fatalf("the book is on %d instances, want 1", found)
			}
		})
	}
}

func TestGatewayRegistersItself(t *testing.T) {
	f := newFleet(t, nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := api.NewClient(&api.Config{Address: f.registry, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := c.Health().Service(gateway.ServiceName, "", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d gateway instances registered, want 1", len(entries))
	}
	meta := entries[0].Service.Meta
	if entries[0].Service.ID != f.gw.InstanceID || meta[sd.MetaGRPC] != f.gw.GRPCAddr ||
		meta[sd.MetaHTTP] != f.gw.HTTPAddr || meta[sd.MetaAdmin] != "http://"+f.gw.AdminAddr {
		t.Fatalf("registered %+v", entries[0].Service)
	}
	var info introspect.Info
	f.getJSON(t, "http://"+f.gw.AdminAddr+introspect.PathPrefix+"/info", &info)
	if info.Service != gateway.ServiceName || len(info.Endpoints) != 11 || len(info.Transports) != 2 || len(info.Streams) != 3 {
		t.Fatalf("info: %+v", info)
	}
	// The compact RED resource, which the workbench reads instead of the
	// whole /metrics page.
	if !slices.Contains(info.Resources, introspect.ResourceRED) {
		t.Errorf("info lists resources %v, want %s among them", info.Resources, introspect.ResourceRED)
	}
	var red introspect.RED
	f.getJSON(t, "http://"+f.gw.AdminAddr+introspect.PathPrefix+"/"+introspect.ResourceRED, &red)
}

func TestFailingInstanceIsEjected(t *testing.T) {
	f := newFleet(t, func(c *gateway.Config) {
		// While one of three instances is ejected, a pick still lands on
		// it 1 time in 9 (the Outlier's two draws both hit it), and a
		// retry's pick 1 time in 81: with 4 attempts a call fails with
		// probability 9⁻¹·81⁻³ ≈ 2·10⁻⁷, against 2·10⁻⁵ with the default 3.
		c.Attempts = 4
	})
	events, cancel := f.gw.Introspection.Subscribe(1 << 14) // spans come too
	defer cancel()
	for range 30 { // traffic that earns the retry budget
		if code := f.listHTTP(t); code != http.StatusOK {
			t.Fatalf("warm-up call: %d", code)
		}
	}

	bad := f.books[0]
	bad.fail.Store(true)
	for i := 0; len(f.gw.Ejected()) == 0; i++ {
		if i == 300 {
			t.Fatal("no ejection after 300 calls")
		}
		f.listHTTP(t) // before the ejection a call fails if all its attempts hit bad
	}
	ej := f.gw.Ejected()
	if len(ej) != 1 || ej[0].ID != bad.InstanceID || ej[0].Count != 1 {
		t.Fatalf("ejected %+v, want %s once", ej, bad.InstanceID)
	}

	badBefore := bad.calls.Load()
	for i := range 40 {
		if code := f.listHTTP(t); code != http.StatusOK {
			t.Fatalf("HTTP call %d after the ejection: %d", i, code)
		}
		if err := f.listGRPC(t); err != nil {
			t.Fatalf("gRPC call %d after the ejection: %v", i, err)
		}
	}
	if n := bad.calls.Load() - badBefore; n > 40 {
		t.Errorf("the ejected instance got %d of 80 calls", n)
	}

	// Observable: as a breaker of its own, as a breaker transition event,
	// as metrics, and on the span of the call that ejected it.
	name := "outlier/" + bookstore.ServiceName + "/" + bad.InstanceID
	if b, ok := f.breaker(t, name); !ok || b.State != introspect.StateOpen || b.Settings.ConsecutiveFailures != 5 {
		t.Fatalf("breaker %s: %+v (found %v)", name, b, ok)
	}
	if b, ok := f.breaker(t, bookstore.ServiceName+"."+bookstore.MethodListBooks); !ok || b.State != introspect.StateClosed {
		t.Fatalf("the method's breaker: %+v (found %v)", b, ok)
	}
	var ejection *introspect.BreakerTransition
	for len(events) > 0 {
		ev := <-events
		if ev.Type == introspect.EventBreaker && ev.Breaker.Name == name && ev.Breaker.To == introspect.StateOpen {
			ejection = ev.Breaker
		}
	}
	if ejection == nil {
		t.Fatal("no breaker transition event for the ejection")
	}
	// The transition says why, as a kit breaker's does: the instance's
	// failed calls before it, each with the trace it belongs to.
	if len(ejection.Failures) != 5 {
		t.Fatalf("the ejection carries %d failures, want the 5 that caused it: %+v", len(ejection.Failures), ejection.Failures)
	}
	for _, bf := range ejection.Failures {
		if bf.Error == "" || len(bf.TraceID) != 32 || bf.Time.IsZero() || bf.Time.After(ejection.Time) {
			t.Errorf("failure %+v of an ejection at %v", bf, ejection.Time)
		}
	}
	m := f.getText(t, "http://"+f.gw.AdminAddr+"/metrics")
	for _, want := range []string{
		`kit_lb_ejections_total{service="bookstore"} 1`,
		`kit_lb_ejected{service="bookstore"} 1`,
		`kit_breaker_state{breaker="` + name + `"} 2`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var spanEvent bool
	for _, s := range f.spans(t, f.gw.AdminAddr) {
		for _, ev := range s.Events {
			if ev.Name == lb.EventEject && ev.Attributes["instance.id"] == bad.InstanceID {
				spanEvent = s.Name == "gateway."+bookstore.MethodListBooks
			}
		}
	}
	if !spanEvent {
		t.Errorf("no %s event on a gateway.ListBooks span", lb.EventEject)
	}
}

func TestStoppedInstanceLeaves(t *testing.T) {
	f := newFleet(t, nil)
	gone := f.books[2]
	gone.stop(t)
	waitFor(t, "the stopped instance to leave", func() bool {
		for _, inst := range f.gw.Upstreams() {
			if inst.ID == gone.InstanceID {
				return false
			}
		}
		return true
	})
	if n := len(f.gw.Upstreams()); n != 2 {
		t.Fatalf("%d instances left, want 2", n)
	}
	for i := range 30 {
		if code := f.listHTTP(t); code != http.StatusOK {
			t.Fatalf("HTTP call %d: %d", i, code)
		}
		if err := f.listGRPC(t); err != nil {
			t.Fatalf("gRPC call %d: %v", i, err)
		}
	}
	if f.books[0].calls.Load() == 0 || f.books[1].calls.Load() == 0 {
		t.Fatalf("calls: %d and %d", f.books[0].calls.Load(), f.books[1].calls.Load())
	}
}

func TestTraceJoinsTheInstanceSpans(t *testing.T) {
	for _, upstream := range []string{gateway.UpstreamGRPC, gateway.UpstreamHTTP} {
		t.Run("upstream="+upstream, func(t *testing.T) {
			f := newFleet(t, func(c *gateway.Config) { c.Upstream = upstream })
			if code := f.listHTTP(t); code != http.StatusOK {
				t.Fatalf("call: %d", code)
			}
			var server, client introspect.Span
			waitFor(t, "the gateway's spans", func() bool {
				for _, s := range f.spans(t, f.gw.AdminAddr) {
					switch s.Name {
					case "gateway." + bookstore.MethodListBooks:
						server = s
					case bookstore.ServiceName + "." + bookstore.MethodListBooks:
						client = s
					}
				}
				return server.SpanID != "" && client.SpanID != ""
			})
			if server.ParentSpanID != "" || server.Kind != "server" {
				t.Fatalf("the gateway's server span should start the trace: %+v", server)
			}
			if client.TraceID != server.TraceID || client.ParentSpanID != server.SpanID || client.Kind != "client" {
				t.Fatalf("client span %+v, server span %+v", client, server)
			}
			var chosen *book
			for _, b := range f.books {
				if b.InstanceID == client.Attributes["instance.id"] {
					chosen = b
				}
			}
			if chosen == nil {
				t.Fatalf("client span names instance %q", client.Attributes["instance.id"])
			}
			var remote introspect.Span
			waitFor(t, "the instance's span", func() bool {
				for _, s := range f.spans(t, chosen.AdminAddr) {
					if s.TraceID == server.TraceID {
						remote = s
						return true
					}
				}
				return false
			})
			if remote.ParentSpanID != client.SpanID || remote.Name != "bookstore."+bookstore.MethodListBooks || remote.Service != bookstore.ServiceName {
				t.Fatalf("instance span %+v, want a child of the gateway's client span %s", remote, client.SpanID)
			}
		})
	}
}

func TestBreakerOpensWhenEveryInstanceFails(t *testing.T) {
	f := newFleet(t, nil)
	for _, b := range f.books {
		b.fail.Store(true)
	}
	name := bookstore.ServiceName + "." + bookstore.MethodListBooks
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatal("the breaker did not open after 50 failing calls")
		}
		if code := f.listHTTP(t); code < 500 {
			t.Fatalf("call %d through a failing fleet: %d", i, code)
		}
		if b, _ := f.breaker(t, name); b.State == introspect.StateOpen {
			break
		}
	}
	// Open: calls fail fast without reaching the fleet.
	var before int64
	for _, b := range f.books {
		before += b.calls.Load()
	}
	if code := f.listHTTP(t); code != http.StatusServiceUnavailable {
		t.Fatalf("call through an open breaker: %d, want 503", code)
	}
	var after int64
	for _, b := range f.books {
		after += b.calls.Load()
	}
	if after != before {
		t.Fatalf("an open breaker let %d calls through", after-before)
	}
	b, _ := f.breaker(t, name)
	if b.Counts.Rejected == 0 || b.Settings.OpenTimeoutNS != int64(gateway.DefaultOpenTimeout) {
		t.Fatalf("breaker %+v", b)
	}
	// Other methods have breakers of their own, still closed.
	if b, ok := f.breaker(t, bookstore.ServiceName+"."+bookstore.MethodGetBook); !ok || b.State != introspect.StateClosed {
		t.Fatalf("GetBook's breaker %+v", b)
	}
}

func TestStaticTargets(t *testing.T) {
	f := newFleet(t, nil) // for the instances; this gateway ignores the registry
	var targets []string
	for _, b := range f.books {
		targets = append(targets, b.HTTPAddr)
	}
	gw, err := gateway.Start(gateway.Config{Targets: targets, Upstream: gateway.UpstreamHTTP})
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(t, gw.Shutdown)
	if n := len(gw.Upstreams()); n != 3 {
		t.Fatalf("%d upstreams, want 3", n)
	}
	resp, err := f.http.Get("http://" + gw.HTTPAddr + "/v1/books")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("call: %s", resp.Status)
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  gateway.Config
	}{
		{"nothing to call", gateway.Config{}},
		{"unknown upstream", gateway.Config{Targets: []string{"127.0.0.1:1"}, Upstream: "thrift"}},
		{"bad target", gateway.Config{Targets: []string{"no-port"}}},
		{"duplicate target", gateway.Config{Targets: []string{"127.0.0.1:1", "127.0.0.1:1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw, err := gateway.Start(tc.cfg)
			if !errors.Is(err, gateway.ErrConfig) {
				if gw != nil {
					_ = gw.Shutdown(context.Background())
				}
				t.Fatalf("Start: %v, want ErrConfig", err)
			}
		})
	}
	_, err := gateway.Start(gateway.Config{Targets: []string{"127.0.0.1:1"}, HTTPAddr: "256.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "256.0.0.1:1") {
		t.Fatalf("bad listen address: %v", err)
	}
}
