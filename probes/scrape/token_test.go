package scrape

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kitbench/kitbench/kit/introspect"
)

// A kit admin listener with a bearer token serves /metrics to a scrape
// that carries it, and refuses one that does not with a clear error.
func TestScrapeAdminToken(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := newRealKitMetrics(reg); err != nil {
		t.Fatal(err)
	}
	h := introspect.NewHandler(introspect.NewRegistry(introspect.Info{}),
		introspect.WithMetrics(reg), introspect.WithBearerToken("s3cret"))
	defer h.Close()
	srv, err := introspect.ListenAdmin("", h)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := New()
	defer s.Close()
	url := "http://" + srv.Addr() + introspect.MetricsPath

	_, err = s.Scrape(t.Context(), url)
	if !errors.Is(err, ErrStatus) || !strings.Contains(err.Error(), "no bearer token was sent") {
		t.Errorf("without a token: %v", err)
	}
	_, err = s.Scrape(t.Context(), url, BearerToken("wrong"))
	if !errors.Is(err, ErrStatus) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("with a wrong token: %v", err)
	}
	snap, err := s.Scrape(t.Context(), url, BearerToken("s3cret"))
	if err != nil || snap == nil {
		t.Fatalf("with the token: %v", err)
	}
}
