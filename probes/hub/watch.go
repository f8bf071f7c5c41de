package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
	"github.com/kitbench/kitbench/probes/scrape"
)

// metricsSource is how a probe reads an instance's request figures: the
// compact RED resource when its /info offers it, else the /metrics page.
type metricsSource struct {
	info     chan struct{} // closed once /info was first read
	infoOnce sync.Once
	red      atomic.Bool // the instance offers RED
}

func newMetricsSource() *metricsSource { return &metricsSource{info: make(chan struct{})} }

// learn records what /info says; the hub calls it for each KindInfo.
func (m *metricsSource) learn(info wire.Info) {
	m.red.Store(introspect.OffersRED(info))
	m.infoOnce.Do(func() { close(m.info) })
}

// metricsLoop reads the instance's figures until ctx ends, paced by
// pace, and reports what two successive reads derive to. It waits for
// the first /info (at most one full-rate period) to choose the source,
// so an instance that offers RED is never scraped.
func metricsLoop(ctx context.Context, src *metricsSource, c *introspect.Client, s scraper, every time.Duration,
	pace func(changed bool) time.Duration, report func(scrape.Stats, error)) {
	wait := time.NewTimer(every)
	defer wait.Stop()
	select {
	case <-ctx.Done():
		return
	case <-src.info:
	case <-wait.C:
	}
	url := adminPath(c.Base(), wire.MetricsPath)
	redURL := c.Base() + wire.PathPrefix + "/" + wire.ResourceRED
	var prev *scrape.Snapshot
	for {
		var cur *scrape.Snapshot
		var err error
		rctx, cancel := context.WithTimeout(ctx, every)
		if src.red.Load() {
			at := time.Now()
			var eps []wire.REDEndpoint
			if eps, err = c.RED(rctx); err == nil {
				cur = scrape.FromRED(redURL, at, eps)
			}
		} else if s != nil {
			if cur, err = s.scrape(rctx, url, c.Token()); err == nil {
				cur = cur.Compact()
			}
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		changed := true
		switch {
		case err != nil:
			report(scrape.Stats{}, err)
		case cur != nil:
			st := scrape.Derive(prev, cur)
			changed = st.Interval == 0 || st.Instance.Requests > 0
			report(st, nil)
			prev = cur
		default:
			return // no RED and scraping is off: nothing to read
		}
		wait.Reset(pace(changed))
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
	}
}
