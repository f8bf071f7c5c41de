package scrape

import (
	"context"
	"testing"

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
