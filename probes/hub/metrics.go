package hub

import (
	"context"
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

// scraper is the part of probes/scrape the hub uses.
type scraper interface {
	scrape(ctx context.Context, url, token string) (*scrape.Snapshot, error)
	close()
}

type promScraper struct{ s *scrape.Scraper }

func newScraper() scraper { return promScraper{scrape.New()} }

func (p promScraper) scrape(ctx context.Context, url, token string) (*scrape.Snapshot, error) {
	return p.s.Scrape(ctx, url, scrape.BearerToken(token))
}

func (p promScraper) close() { p.s.Close() }

// scrapeLoop scrapes url (with the admin listener's bearer token, if any)
// every interval until ctx ends, reporting derived figures through report.
func scrapeLoop(ctx context.Context, s scraper, url, token string, every time.Duration, report func(scrape.Stats, error)) {
	var prev *scrape.Snapshot
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sctx, cancel := context.WithTimeout(ctx, every)
		cur, err := s.scrape(sctx, url, token)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			report(scrape.Stats{}, err)
		} else {
			cur = cur.Compact()
			report(scrape.Derive(prev, cur), nil)
			prev = cur
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
