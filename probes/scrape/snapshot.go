package scrape

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/kitbench/kitbench/kit/metrics"
)

// Snapshot is one decoded metrics page. It holds every family of the
// page, whichever client produced it, and, when the page carries kit's
// metrics, their totals ready for Derive.
//
// A Snapshot is never modified after Scrape returns it, so it may be
// shared between goroutines. Its readers must treat it, and the families
// it hands out, as read-only.
type Snapshot struct {
	// URL is the page's address, as given to Scrape.
	URL string
	// Time is when the scrape started; Derive divides by differences of it.
	Time time.Time
	// Format is the exposition format the page was decoded as.
	Format expfmt.Format
	// Bytes is the size of the page after decompression.
	Bytes int64
	// Series is the number of series on the page, counted as for
	// WithMaxSeries.
	Series int

	families []*dto.MetricFamily // sorted by name
	kit      *kitTotals          // nil when the page has none of kit's metrics
}

// Families returns the page's metric families sorted by name. The slice
// is the caller's; the families are shared and must not be modified.
// Label values are returned as the target sent them, which may include
// terminal escape sequences: strip them before display.
func (s *Snapshot) Families() []*dto.MetricFamily {
	return slices.Clone(s.families)
}

// Family returns the family called name, or nil. As with Families, the
// result is shared and must not be modified.
func (s *Snapshot) Family(name string) *dto.MetricFamily {
	i := sort.Search(len(s.families), func(i int) bool { return s.families[i].GetName() >= name })
	if i < len(s.families) && s.families[i].GetName() == name {
		return s.families[i]
	}
	return nil
}

// Compact returns a copy of s without its families: only what Derive
// needs. Keep compact snapshots between scrapes (the previous snapshot
// of each instance) to hold a few kilobytes per instance rather than
// the whole decoded page.
func (s *Snapshot) Compact() *Snapshot {
	c := *s
	c.families = nil
	return &c
}

// key addresses one endpoint over one transport.
type key struct{ endpoint, transport string }

// histogram is a classic histogram's cumulative buckets, ending in +Inf,
// and the sum of its observations.
type histogram struct {
	bounds []float64
	counts []float64
	sum    float64
}

// codeTotal is the total of one code of kit_requests_total.
type codeTotal struct {
	code  string
	total float64
}

// addCode adds v to code's total in cs (a short list: kit has at most 17
// codes per endpoint).
func addCode(cs []codeTotal, code string, v float64) []codeTotal {
	for i := range cs {
		if cs[i].code == code {
			cs[i].total += v
			return cs
		}
	}
	return append(cs, codeTotal{code, v})
}

// totalOf returns code's total in cs, zero when absent.
func totalOf(cs []codeTotal, code string) float64 {
	for _, c := range cs {
		if c.code == code {
			return c.total
		}
	}
	return 0
}

// kitTotals are the cumulative values of kit's metrics on one page.
type kitTotals struct {
	requests  map[key][]codeTotal
	durations map[key]histogram
	breakers  map[string]float64
	allowed   map[string]float64
	rejected  map[string]float64
}

func newSnapshot(url string, at time.Time, f format, size int64, series int, fams []*dto.MetricFamily) *Snapshot {
	s := &Snapshot{URL: url, Time: at, Format: f.f, Bytes: size, Series: series, families: fams}
	s.kit = s.extractKit()
	return s
}

// counterFamily finds a counter by its text-format name, or by the
// OpenMetrics family name without the _total suffix.
func (s *Snapshot) counterFamily(name string) *dto.MetricFamily {
	if mf := s.Family(name); mf != nil {
		return mf
	}
	if mf := s.Family(strings.TrimSuffix(name, "_total")); mf != nil && mf.GetType() == dto.MetricType_COUNTER {
		return mf
	}
	return nil
}

func (s *Snapshot) extractKit() *kitTotals {
	k := &kitTotals{
		requests:  map[key][]codeTotal{},
		durations: map[key]histogram{},
		breakers:  map[string]float64{},
		allowed:   map[string]float64{},
		rejected:  map[string]float64{},
	}
	found := false
	if mf := s.counterFamily(metrics.RequestsTotal); mf != nil {
		found = true
		for _, m := range mf.GetMetric() {
			kk := key{label(m, "endpoint"), label(m, "transport")}
			k.requests[kk] = addCode(k.requests[kk], label(m, "code"), value(m))
		}
	}
	if mf := s.Family(metrics.RequestDuration); mf != nil && mf.GetType() == dto.MetricType_HISTOGRAM {
		found = true
		var last []float64 // bounds are shared between histograms of one layout
		for _, m := range mf.GetMetric() {
			if h, ok := classic(m.GetHistogram(), last); ok {
				k.durations[key{label(m, "endpoint"), label(m, "transport")}] = h
				last = h.bounds
			}
		}
	}
	gather := func(mf *dto.MetricFamily, lbl string, into map[string]float64) {
		if mf == nil {
			return
		}
		found = true
		for _, m := range mf.GetMetric() {
			into[label(m, lbl)] = value(m)
		}
	}
	gather(s.Family(metrics.BreakerState), "breaker", k.breakers)
	gather(s.counterFamily(metrics.RateLimitAllowed), "limiter", k.allowed)
	gather(s.counterFamily(metrics.RateLimitRejected), "limiter", k.rejected)
	if !found {
		return nil
	}
	return k
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// value is a counter, gauge or untyped metric's value; NaN counts as 0.
func value(m *dto.Metric) float64 {
	var v float64
	switch {
	case m.GetCounter() != nil:
		v = m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		v = m.GetGauge().GetValue()
	case m.GetUntyped() != nil:
		v = m.GetUntyped().GetValue()
	}
	if math.IsNaN(v) {
		return 0
	}
	return v
}

func hasInf(h *dto.Histogram) bool {
	b := h.GetBucket()
	return len(b) > 0 && math.IsInf(b[len(b)-1].GetUpperBound(), 1)
}

// classic returns a histogram's buckets sorted by bound and ending in
// +Inf (added from the sample count when the page leaves it out, as
// client_golang's protobuf does). Integer and float counts are both
// read. When the bounds equal shared, shared is used instead of a copy.
// It reports false for a histogram with no classic buckets.
func classic(h *dto.Histogram, shared []float64) (histogram, bool) {
	if h == nil || len(h.GetBucket()) == 0 {
		return histogram{}, false
	}
	bs := h.GetBucket()
	byBound := func(a, b *dto.Bucket) int { return cmp.Compare(a.GetUpperBound(), b.GetUpperBound()) }
	if !slices.IsSortedFunc(bs, byBound) {
		bs = slices.Clone(bs)
		slices.SortStableFunc(bs, byBound)
	}
	out := histogram{bounds: make([]float64, 0, len(bs)+1), counts: make([]float64, 0, len(bs)+1)}
	for _, b := range bs {
		c := float64(b.GetCumulativeCount())
		if b.CumulativeCountFloat != nil {
			c = b.GetCumulativeCountFloat()
		}
		if math.IsNaN(b.GetUpperBound()) || math.IsNaN(c) {
			continue
		}
		out.bounds = append(out.bounds, b.GetUpperBound())
		out.counts = append(out.counts, c)
	}
	if n := len(out.bounds); n == 0 || !math.IsInf(out.bounds[n-1], 1) {
		c := float64(h.GetSampleCount())
		if h.SampleCountFloat != nil {
			c = h.GetSampleCountFloat()
		}
		out.bounds = append(out.bounds, math.Inf(1))
		out.counts = append(out.counts, c)
	}
	if slices.Equal(out.bounds, shared) {
		out.bounds = shared
	}
	if v := h.GetSampleSum(); !math.IsNaN(v) && !math.IsInf(v, 0) {
		out.sum = v
	}
	return out, true
}
