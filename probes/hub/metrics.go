package hub

import (
	"context"
	"net/http"
	"time"

	"github.com/kitbench/kitbench/probes/scrape"
)

// MetricsUpdate carries the figures derived from an instance's two latest
// /metrics scrapes (rates, error ratio, latency quantiles per endpoint,
// breaker states, limiter counts). Err is set, and Stats empty, when the
// last scrape failed.
type MetricsUpdate struct {
	Key   Key          `json:"-"`
	Time  time.Time    `json:"time"`
	Stats scrape.Stats `json:"stats"`
	Err   string       `json:"error,omitempty"`
	// Source names where the figures come from when it is not the
	// instance's own /metrics (Options.Metrics); empty for a scrape.
	Source string `json:"source,omitempty"`
}

// About implements Msg.
func (m MetricsUpdate) About() Key { return m.Key }

// EndpointStats is one endpoint's derived figures in a MetricsUpdate,
// named here so the views, which may import the hub's types but not the
// probes, can name it too.
type EndpointStats = scrape.EndpointStats

// scraper is the part of probes/scrape the hub uses.
type scraper interface {
	scrape(ctx context.Context, url, token string) (*scrape.Snapshot, error)
	close()
}

type promScraper struct{ s *scrape.Scraper }

// newScraper scrapes with hc, the hub's client, so scrapes and
// introspection share one pool of connections.
func newScraper(hc *http.Client) scraper { return promScraper{scrape.New(scrape.WithClient(hc))} }

func (p promScraper) scrape(ctx context.Context, url, token string) (*scrape.Snapshot, error) {
	return p.s.Scrape(ctx, url, scrape.BearerToken(token))
}

func (p promScraper) close() { p.s.Close() }
