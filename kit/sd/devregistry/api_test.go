package devregistry

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/consul/api"
	"github.com/kitbench/kitbench/internal/testutil"
)

// startHTTP serves reg over loopback and returns its host:port.
func startHTTP(t *testing.T, reg *Registry) string {
	t.Helper()
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(func() { reg.Close(); srv.Close() })
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestConsulClientRoundTrip(t *testing.T) {
	testutil.NoLeaks(t)
	reg := New(Options{})
	c := newAPIClient(t, startHTTP(t, reg))

	if leader, err := c.Status().Leader(); err != nil || leader == "" {
		t.Fatalf("Leader() = %q, %v", leader, err)
	}
	self, err := c.Agent().Self()
	if err != nil || self["Config"]["Datacenter"] != "dc1" {
		t.Fatalf("Self() = %v, %v", self, err)
	}

	err = c.Agent().ServiceRegister(&api.AgentServiceRegistration{
		ID: "book-1", Name: "book", Tags: []string{"v1", "http"}, Address: "10.0.0.7", Port: 8080,
		Meta:  map[string]string{"kit_admin": "http://10.0.0.7:9090"},
		Check: &api.AgentServiceCheck{TTL: "10s", Status: api.HealthPassing, DeregisterCriticalServiceAfter: "1m"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Registered without a status: critical until its first TTL update.
	if err := c.Agent().ServiceRegister(ttlReg("book-2", "book", "10s", "")); err != nil {
		t.Fatal(err)
	}

	all, meta, err := c.Health().Service("book", "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || meta.LastIndex == 0 || !meta.KnownLeader {
		t.Fatalf("all = %d entries, meta %+v", len(all), meta)
	}
	e := all[0]
	if e.Service.ID != "book-1" || e.Service.Service != "book" || e.Service.Address != "10.0.0.7" ||
		e.Service.Port != 8080 || !slices.Equal(e.Service.Tags, []string{"v1", "http"}) ||
		e.Service.Meta["kit_admin"] != "http://10.0.0.7:9090" || e.Node.Node != "devregistry" || e.Node.Address != "127.0.0.1" {
		t.Fatalf("entry = %+v service %+v node %+v", e, e.Service, e.Node)
	}
	if len(e.Checks) != 2 || e.Checks[1].CheckID != "service:book-1" || e.Checks[1].Status != api.HealthPassing ||
		e.Checks[1].ServiceID != "book-1" || e.Checks[1].Type != "ttl" || e.Checks.AggregatedStatus() != api.HealthPassing {
		t.Fatalf("checks = %+v", e.Checks)
	}
	if got := all[1].Checks.AggregatedStatus(); got != api.HealthCritical {
		t.Fatalf("book-2 health = %q, want critical", got)
	}

	passing, _, err := c.Health().Service("book", "", true, nil)
	if err != nil || len(passing) != 1 || passing[0].Service.ID != "book-1" {
		t.Fatalf("passing = %v, %v", passing, err)
	}
	if err := c.Agent().UpdateTTL("service:book-2", "ready", api.HealthPassing); err != nil {
		t.Fatal(err)
	}
	passing, meta2, err := c.Health().Service("book", "", true, nil)
	if err != nil || len(passing) != 2 || meta2.LastIndex <= meta.LastIndex {
		t.Fatalf("after pass: %d entries, index %d -> %d, %v", len(passing), meta.LastIndex, meta2.LastIndex, err)
	}
	if out := passing[1].Checks[1].Output; out != "ready" {
		t.Fatalf("output = %q", out)
	}
	tagged, _, err := c.Health().ServiceMultipleTags("book", []string{"v1", "http"}, false, nil)
	if err != nil || len(tagged) != 1 {
		t.Fatalf("tagged = %v, %v", tagged, err)
	}
	if none, _, err := c.Health().ServiceMultipleTags("book", []string{"v1", "grpc"}, false, nil); err != nil || len(none) != 0 {
		t.Fatalf("tags v1+grpc = %v, %v", none, err)
	}
	if none, m, err := c.Health().Service("nope", "", false, nil); err != nil || none == nil || len(none) != 0 || m.LastIndex == 0 {
		t.Fatalf("unknown service = %v, %+v, %v (want empty non-nil list)", none, m, err)
	}

	svcs, cm, err := c.Catalog().Services(nil)
	if err != nil || !slices.Equal(svcs["book"], []string{"http", "v1"}) || cm.LastIndex == 0 {
		t.Fatalf("catalog = %v, %+v, %v", svcs, cm, err)
	}
	agent, err := c.Agent().Services()
	if err != nil || len(agent) != 2 || agent["book-1"].Port != 8080 {
		t.Fatalf("agent services = %v, %v", agent, err)
	}

	if err := c.Agent().ServiceDeregister("book-1"); err != nil {
		t.Fatal(err)
	}
	if left, _, _ := c.Health().Service("book", "", false, nil); len(left) != 1 {
		t.Fatalf("after deregister: %d entries", len(left))
	}
	if err := c.Agent().PassTTL("service:book-1", ""); !isStatus(err, http.StatusNotFound) {
		t.Fatalf("pass on removed check: %v, want 404", err)
	}
}

func isStatus(err error, code int) bool {
	var se api.StatusError
	return errors.As(err, &se) && se.Code == code
}

func TestErrorStatuses(t *testing.T) {
	reg := New(Options{})
	defer reg.Close()
	h := reg.Handler()
	mustOK(t, do(h, "PUT", "/v1/agent/service/register", ttlReg("a", "svc", "5s", "passing")))

	for _, tc := range []struct {
		method, target string
		body           any
		code           int
	}{
		{"PUT", "/v1/agent/service/register", "{not json", 400},
		{"PUT", "/v1/agent/service/register", "", 400},
		{"PUT", "/v1/agent/service/register", &api.AgentServiceRegistration{ID: "x"}, 400},
		{"PUT", "/v1/agent/service/register", &api.AgentServiceRegistration{Name: "x", Port: 70000}, 400},
		{"PUT", "/v1/agent/service/register", &api.AgentServiceRegistration{Name: "x", Check: &api.AgentServiceCheck{HTTP: "http://127.0.0.1/", Interval: "1s"}}, 400},
		{"PUT", "/v1/agent/service/register", ttlReg("x", "x", "soon", ""), 400},
		{"PUT", "/v1/agent/service/register", ttlReg("x", "x", "-1s", ""), 400},
		{"PUT", "/v1/agent/service/register", ttlReg("x", "x", "1s", "sunny"), 400},
		{"PUT", "/v1/agent/service/register?replace-existing-checks=perhaps", ttlReg("x", "x", "1s", ""), 400},
		{"PUT", "/v1/agent/service/register", &api.AgentServiceRegistration{Name: "x", Kind: api.ServiceKindConnectProxy}, 400},
		{"PUT", "/v1/agent/service/register", strings.Repeat(" ", maxBody+1) + "{}", 413},
		{"GET", "/v1/agent/service/register", nil, 405},
		{"PUT", "/v1/agent/service/deregister/nope", nil, 404},
		{"PUT", "/v1/agent/check/pass/nope", nil, 404},
		{"PUT", "/v1/agent/check/fail/nope", nil, 404},
		{"PUT", "/v1/agent/check/update/nope", map[string]string{"Status": "passing"}, 404},
		{"PUT", "/v1/agent/check/update/service:a", map[string]string{"Status": "sunny"}, 400},
		{"PUT", "/v1/agent/check/update/service:a", "[", 400},
		{"GET", "/v1/health/service/svc?index=abc", nil, 400},
		{"GET", "/v1/health/service/svc?index=-1", nil, 400},
		{"GET", "/v1/health/service/svc?index=1&wait=forever", nil, 400},
		{"GET", "/v1/health/service/svc?passing=maybe", nil, 400},
		{"GET", "/v1/health/service/svc?filter=Service.Port==1", nil, 400},
		{"GET", "/v1/health/service/svc?dc=eu-west", nil, 500},
		{"GET", "/v1/catalog/services?index=x", nil, 400},
		{"GET", "/v1/agent/services?filter=x", nil, 400},
		{"GET", "/v1/kv/anything", nil, 404},
		{"POST", "/v1/health/service/svc", nil, 405},
	} {
		rec := do(h, tc.method, tc.target, tc.body)
		if rec.Code != tc.code {
			t.Errorf("%s %s: status %d, want %d (body %q)", tc.method, tc.target, rec.Code, tc.code, rec.Body.String())
		}
		if tc.code != 405 && tc.code != 404 && rec.Body.Len() == 0 {
			t.Errorf("%s %s: empty error body", tc.method, tc.target)
		}
	}
	// The good instance is unharmed by all of the above.
	if e := decodeEntries(t, do(h, "GET", "/v1/health/service/svc?passing", nil)); len(e) != 1 {
		t.Fatalf("entries = %d", len(e))
	}
}

func TestReplaceAndMoveChecks(t *testing.T) {
	reg := New(Options{})
	defer reg.Close()
	h := reg.Handler()
	two := &api.AgentServiceRegistration{ID: "a", Name: "svc", Checks: api.AgentServiceChecks{
		{TTL: "5s", Status: "passing"}, {CheckID: "extra", TTL: "5s", Status: "passing"},
	}}
	mustOK(t, do(h, "PUT", "/v1/agent/service/register", two))
	e := decodeEntries(t, do(h, "GET", "/v1/health/service/svc", nil))
	if ids := checkIDs(e[0]); !slices.Equal(ids, []string{"serfHealth", "service:a:1", "extra"}) {
		t.Fatalf("check IDs = %v", ids)
	}
	// Re-registering with one check keeps the other unless asked not to.
	mustOK(t, do(h, "PUT", "/v1/agent/service/register", ttlReg("a", "svc", "5s", "passing")))
	e = decodeEntries(t, do(h, "GET", "/v1/health/service/svc", nil))
	if ids := checkIDs(e[0]); len(ids) != 4 {
		t.Fatalf("check IDs after plain re-register = %v", ids)
	}
	mustOK(t, do(h, "PUT", "/v1/agent/service/register?replace-existing-checks", ttlReg("a", "svc", "5s", "passing")))
	e = decodeEntries(t, do(h, "GET", "/v1/health/service/svc", nil))
	if ids := checkIDs(e[0]); !slices.Equal(ids, []string{"serfHealth", "service:a"}) {
		t.Fatalf("check IDs after replace = %v", ids)
	}
	// Renaming a service ID moves it between names.
	mustOK(t, do(h, "PUT", "/v1/agent/service/register", ttlReg("a", "other", "5s", "passing")))
	if e := decodeEntries(t, do(h, "GET", "/v1/health/service/svc", nil)); len(e) != 0 {
		t.Fatalf("old name still has %d entries", len(e))
	}
	if e := decodeEntries(t, do(h, "GET", "/v1/health/service/other?passing", nil)); len(e) != 1 {
		t.Fatalf("new name has %d entries", len(e))
	}
}

func checkIDs(e *api.ServiceEntry) []string {
	var ids []string
	for _, c := range e.Checks {
		ids = append(ids, c.CheckID)
	}
	return ids
}

func TestHeaders(t *testing.T) {
	reg := New(Options{})
	defer reg.Close()
	rec := do(reg.Handler(), "GET", "/v1/health/service/x", nil)
	mustOK(t, rec)
	h := rec.Header()
	if _, err := strconv.ParseUint(h.Get("X-Consul-Index"), 10, 64); err != nil {
		t.Errorf("X-Consul-Index = %q", h.Get("X-Consul-Index"))
	}
	if h.Get("X-Consul-KnownLeader") != "true" || h.Get("X-Consul-LastContact") != "0" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", h)
	}
	if body := strings.TrimSpace(rec.Body.String()); body != "[]" {
		t.Errorf("body = %q, want []", body)
	}
}

func Test10000Instances(t *testing.T) {
	testutil.NoLeaks(t)
	const n = 10_000
	reg := New(Options{})
	h := reg.Handler()
	for i := range n {
		r := ttlReg("svc-"+strconv.Itoa(i), "big", "1m", "passing")
		r.Tags = []string{"shard-" + strconv.Itoa(i%10)}
		r.Port = 10000 + i%50000
		if rec := do(h, "PUT", "/v1/agent/service/register", r); rec.Code != 200 {
			t.Fatalf("register %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	c := newAPIClient(t, startHTTP(t, reg))
	all, _, err := c.Health().Service("big", "", true, nil)
	if err != nil || len(all) != n {
		t.Fatalf("health = %d entries, %v", len(all), err)
	}
	seen := make(map[string]bool, n)
	for _, e := range all {
		seen[e.Service.ID] = true
	}
	if len(seen) != n {
		t.Fatalf("distinct IDs = %d", len(seen))
	}
	shard, _, err := c.Health().Service("big", "shard-3", true, nil)
	if err != nil || len(shard) != n/10 {
		t.Fatalf("shard-3 = %d entries, %v", len(shard), err)
	}
	agent, err := c.Agent().Services()
	if err != nil || len(agent) != n {
		t.Fatalf("agent services = %d, %v", len(agent), err)
	}
	cat, _, err := c.Catalog().Services(nil)
	if err != nil || len(cat["big"]) != 10 {
		t.Fatalf("catalog = %v, %v", cat, err)
	}
}
