package scrape

import (
	"context"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/transport"
)

func TestClassOfCode(t *testing.T) {
	for code, want := range map[string]transport.Class{
		"ok": transport.Success, "OK": transport.Success, "200": transport.Success, "304": transport.Success,
		"2xx": transport.Success, "400": transport.ClientError, "404": transport.ClientError,
		"429": transport.ClientError, "4xx": transport.ClientError, "499": transport.Canceled,
		"500": transport.Failure, "503": transport.Failure, "504": transport.Failure, "5xx": transport.Failure,
		"Unavailable": transport.Failure, "": transport.Failure,
	} {
		if got := ClassOfCode(code); got != want {
			t.Errorf("ClassOfCode(%q) = %v, want %v", code, got, want)
		}
	}
}

// Failures (the service's fault) and client errors are counted apart, so
// a view can show failures only; cancellations are in neither.
func TestDeriveSplitsFailuresFromClientErrors(t *testing.T) {
	k := newKitMetrics(t)
	for code, n := range map[string]int{"ok": 6, "404": 2, "429": 1, "499": 1, "500": 2, "504": 1} {
		k.calls("GetBook", "http", code, n, 0.005)
	}
	k.calls("ListBooks", "grpc", "4xx", 1, 0.005)
	k.calls("ListBooks", "grpc", "5xx", 1, 0.005)
	cur, err := newFakeClock().scraper().Scrape(context.Background(), serveRegistry(t, k.reg))
	if err != nil {
		t.Fatal(err)
	}
	st := Derive(nil, cur)
	get, list, inst := st.Endpoints[0], st.Endpoints[1], st.Instance
	for _, c := range []struct {
		name                    string
		got                     EndpointStats
		req, errs, fail, client float64
	}{
		{"GetBook", get, 13, 7, 3, 3},
		{"ListBooks", list, 2, 2, 1, 1},
		{"instance", inst, 15, 9, 4, 4},
	} {
		g := c.got
		if g.Requests != c.req || g.Errors != c.errs || g.Failures != c.fail || g.ClientErrors != c.client ||
			!near(g.FailureRatio, c.fail/c.req) || !near(g.ClientErrorShare, c.client/c.req) || !near(g.ErrorRatio, c.errs/c.req) {
			t.Errorf("%s: %+v; want requests %v, errors %v, failures %v, client errors %v", c.name, g, c.req, c.errs, c.fail, c.client)
		}
	}
}

// Calls faster than the lowest bucket give quantiles the histogram cannot
// resolve: Resolved says "under the floor", and Mean gives the real
// figure. Over a window, the mean counts only the window's calls.
func TestDeriveLatencyUnderTheFloor(t *testing.T) {
	k := newKitMetrics(t)
	clock := newFakeClock()
	s := clock.scraper()
	url := serveRegistry(t, k.reg)
	k.calls("GetBook", "http", "ok", 10, 0.000015)
	first, err := s.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	e := Derive(nil, first).Endpoints[0]
	if e.Floor != 10*time.Millisecond || !near(e.Mean.Seconds(), 0.000015) {
		t.Fatalf("floor %v, mean %v; want 10ms (the lowest test bucket) and 15µs", e.Floor, e.Mean)
	}
	for _, q := range []time.Duration{e.P50, e.P90, e.P99} {
		if d, under := e.Resolved(q); !under || d != e.Floor {
			t.Errorf("Resolved(%v) = %v, %v; want the floor, under", q, d, under)
		}
	}
	// A window of slower calls: resolved, and the mean is theirs alone.
	k.calls("GetBook", "http", "ok", 10, 0.02)
	clock.Advance(time.Second)
	second, err := s.Scrape(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	e = Derive(first, second).Endpoints[0]
	if d, under := e.Resolved(e.P50); under || d != e.P50 || e.P50 <= e.Floor {
		t.Errorf("p50 %v resolved as %v, %v; want itself", e.P50, d, under)
	}
	if !near(e.Mean.Seconds(), 0.02) {
		t.Errorf("window mean %v, want 20ms", e.Mean)
	}
}
