package hub_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/internal/testutil/registrytest"
	"github.com/kitbench/kitbench/kit/endpoint"
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/kit/tracing"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/hub"
)

// registry runs a dev registry on a free loopback port and returns its
// address and a consul/api client for it.
func registry(t testing.TB) (string, *api.Client) {
	t.Helper()
	_, addr := registrytest.Start(t, "127.0.0.1:0")
	return addr, registrytest.Client(t, addr)
}

// book starts a Book instance. With consulAddr it registers itself (and
// deregisters on Shutdown); otherwise the test registers it by hand, so
// that a "kill" leaves the registration behind as a crash would.
func book(t *testing.T, id, consulAddr string, fail *atomic.Bool) *bookstore.Instance {
	t.Helper()
	inst, err := bookstore.Start(bookstore.Config{
		InstanceID: id, Registry: consulAddr,
		Middleware: func(method string, next endpoint.Endpoint) endpoint.Endpoint {
			return func(ctx context.Context, req any) (any, error) {
				if fail != nil && fail.Load() && method == bookstore.MethodGetBook {
					return nil, errors.New("injected failure")
				}
				return next(ctx, req)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdown(inst) })
	return inst
}

func shutdown(inst *bookstore.Instance) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = inst.Shutdown(ctx)
}

// registerByHand registers an instance with a 30 s TTL that nobody
// refreshes: it stays listed after the process dies.
func registerByHand(t *testing.T, c *api.Client, service, id, addr, admin string) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	var p int
	for _, ch := range port {
		p = p*10 + int(ch-'0')
	}
	err := c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: id, Name: service, Address: host, Port: p,
		Meta:  map[string]string{sd.MetaHTTP: addr, sd.MetaAdmin: "http://" + admin},
		Check: &api.AgentServiceCheck{TTL: "30s", Status: api.HealthPassing},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// gateway is a test-owned service that calls Book instances with trace
// context, and serves its own spans over the protocol.
type gateway struct {
	tp    *tracing.Provider
	admin *wire.AdminServer
	h     *wire.Handler
}

func startGateway(t *testing.T) *gateway {
	t.Helper()
	reg := wire.NewRegistry(wire.Info{Service: "gateway", InstanceID: "gw-1", StartTime: time.Now()})
	ring := tracing.NewRing(0, reg)
	tp, err := tracing.NewProvider("gateway", ring)
	if err != nil {
		t.Fatal(err)
	}
	h := wire.NewHandler(reg)
	admin, err := wire.ListenAdmin("127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{tp: tp, admin: admin, h: h}
	t.Cleanup(func() { h.Close(); admin.Close(); _ = tp.Shutdown(context.Background()) })
	return g
}

// call makes one traced request through the gateway to each Book
// instance and returns the trace id.
func (g *gateway) call(t *testing.T, books ...*bookstore.Instance) string {
	t.Helper()
	ctx, span := g.tp.Tracer("test").Start(context.Background(), "gateway.GetBook", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("evil", "\x1b[2J\x1b]0;pwned\x07")))
	for _, b := range books {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.HTTPAddr+"/v1/books/none", nil)
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(req.Header))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	span.End()
	http.DefaultClient.CloseIdleConnections()
	return span.SpanContext().TraceID().String()
}

// next reads the subscription until a message satisfies ok, within a
// generous deadline; it returns how long that took.
func next(t *testing.T, sub *hub.Subscription, what string, ok func(hub.Msg) bool) time.Duration {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		m, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("no message with %s: %v", what, err)
		}
		if ok(m) {
			return time.Since(start)
		}
	}
}

func instanceIs(key hub.Key, state hub.State) func(hub.Msg) bool {
	return func(m hub.Msg) bool {
		u, ok := m.(hub.InstanceUpdate)
		return ok && u.Instance.Key == key && u.Instance.State == state
	}
}

func TestFleet(t *testing.T) {
	addr, client := registry(t)
	var fail atomic.Bool
	b1 := book(t, "book-1", addr, &fail)

	h, err := hub.New(hub.Options{Discovery: discovery.Options{Consul: addr}, ScrapeInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	sub := h.Subscribe(0)
	defer sub.Close()
	k1 := hub.Key{Service: bookstore.ServiceName, InstanceID: "book-1"}
	next(t, sub, "book-1 up", instanceIs(k1, hub.StateUp))

	// An instance started later appears.
	started := time.Now()
	b2 := book(t, "book-2", "", nil)
	registerByHand(t, client, bookstore.ServiceName, "book-2", b2.HTTPAddr, b2.AdminAddr)
	k2 := hub.Key{Service: bookstore.ServiceName, InstanceID: "book-2"}
	next(t, sub, "book-2 up", instanceIs(k2, hub.StateUp))
	t.Logf("later instance up in the stream %v after its start began", time.Since(started))

	// A breaker opened by injected failures appears.
	fail.Store(true)
	tripped := time.Now()
	for range 6 {
		resp, err := http.Get("http://" + b1.HTTPAddr + "/v1/books/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	next(t, sub, "open breaker", func(m hub.Msg) bool {
		u, ok := m.(hub.BreakerUpdate)
		return ok && u.Key == k1 && u.Breaker.Name == bookstore.MethodGetBook && u.Breaker.State == wire.StateOpen
	})
	t.Logf("open breaker in the stream %v after the first failing call", time.Since(tripped))
	fail.Store(false)

	// A trace through the gateway to two Book instances is one tree.
	gw := startGateway(t)
	registerByHand(t, client, "gateway", "gw-1", gw.admin.Addr(), gw.admin.Addr())
	next(t, sub, "gateway up", instanceIs(hub.Key{Service: "gateway", InstanceID: "gw-1"}, hub.StateUp))
	id := gw.call(t, b1, b2)
	var tr *hub.Trace
	testutil.WaitFor(t, "joined trace", 15*time.Second, func() bool {
		var ok bool
		tr, ok = h.Trace(id)
		return ok && tr.Spans >= 3
	})
	if tr.Root == nil || tr.Root.Span.Name != "gateway.GetBook" || len(tr.Roots) != 1 || len(tr.Root.Children) != 2 {
		t.Fatalf("trace %+v, root %+v", tr, tr.Root)
	}
	insts := map[string]bool{}
	tr.Walk(func(n *hub.Node, depth int) bool {
		if depth == 1 {
			insts[n.Span.Instance.InstanceID] = true
		}
		return true
	})
	if !insts["book-1"] || !insts["book-2"] || strings.Join(tr.Services, ",") != "bookstore,gateway" {
		t.Fatalf("children from %v, services %v", insts, tr.Services)
	}
	if got := tr.Root.Span.Attributes["evil"]; got != "\x1b[2J\x1b]0;pwned\x07" {
		t.Fatalf("escape sequences must be kept as data in the hub, got %q", got)
	}

	// A killed instance (still registered) is marked down.
	killed := time.Now()
	shutdown(b2)
	next(t, sub, "book-2 down", instanceIs(k2, hub.StateDown))
	t.Logf("killed instance down in the stream %v after the kill began", time.Since(killed))

	// Metrics were scraped from the Book instances' /metrics.
	snap := h.Snapshot()
	for _, in := range snap.Instances {
		if in.Key == k1 && (in.Metrics == nil || !in.Metrics.Stats.Kit) {
			t.Errorf("book-1 metrics: %+v", in.Metrics)
		}
	}
	if snap.Source.Addr != addr || !snap.Source.Ready || len(snap.Instances) != 3 {
		t.Fatalf("snapshot source %+v, %d instances", snap.Source, len(snap.Instances))
	}
}
