package scrape

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/metrics"
)

// TestFromREDDerivesAsTheScrape reads one real kit instance both ways, its
// /metrics page and its RED resource, at the same two moments, and checks
// that Derive gives the same endpoint figures from either.
func TestFromREDDerivesAsTheScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	k, err := newRealKitMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := wire.NewHandler(wire.NewRegistry(wire.Info{Service: "book"}), wire.WithMetrics(reg), wire.WithRED(m))
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()

	t0 := time.Unix(1000, 0)
	now := t0
	s := New(WithClock(func() time.Time { return now }))
	defer s.Close()
	read := func() (*Snapshot, *Snapshot) {
		page, err := s.Scrape(context.Background(), srv.URL+wire.MetricsPath)
		if err != nil {
			t.Fatal(err)
		}
		return page.Compact(), FromRED("red", now, m.RED())
	}
	k.ok(3)
	k.fail(1)
	p0, r0 := read()
	now = t0.Add(2 * time.Second)
	k.ok(17)
	k.fail(3)
	p1, r1 := read()
	r0.URL, r1.URL = p0.URL, p1.URL // Derive pairs snapshots of one URL

	fromPage, fromRED := Derive(p0, p1), Derive(r0, r1)
	if fromRED.Instance.Requests != 20 || fromRED.Instance.Failures != 3 || fromRED.Instance.Rate != 10 {
		t.Errorf("from RED: %+v, want 20 requests, 3 failures, 10/s", fromRED.Instance)
	}
	if !reflect.DeepEqual(fromPage.Endpoints, fromRED.Endpoints) || !reflect.DeepEqual(fromPage.Instance, fromRED.Instance) {
		t.Errorf("figures differ:\nfrom /metrics %+v\nfrom RED      %+v", fromPage.Endpoints, fromRED.Endpoints)
	}
}
