package scrape

import (
	"math"
	"slices"
	"sort"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// FromRED returns a Snapshot of an instance's compact RED resource
// (/debug/kit/v1/red, read at time at from url) instead of its /metrics
// page: Derive gives the same endpoint figures from two of them as from
// two scrapes. It holds no families, no breakers and no limiters (those
// come from introspection), and Format is empty. A histogram whose
// counts do not match its bounds is left out.
func FromRED(url string, at time.Time, eps []wire.REDEndpoint) *Snapshot {
	k := &kitTotals{
		requests:  make(map[key][]codeTotal, len(eps)),
		durations: make(map[key]histogram, len(eps)),
		breakers:  map[string]float64{},
		allowed:   map[string]float64{},
		rejected:  map[string]float64{},
	}
	var last []float64 // bounds shared between histograms of one layout
	series := 0
	for _, e := range eps {
		kk := key{e.Endpoint, e.Transport}
		codes := make([]string, 0, len(e.Codes))
		for c := range e.Codes {
			codes = append(codes, c)
		}
		sort.Strings(codes) // a stable order, as a page's would be
		for _, c := range codes {
			k.requests[kk] = addCode(k.requests[kk], c, float64(e.Codes[c]))
		}
		series += len(codes)
		if len(e.Counts) != len(e.Bounds)+1 || !slices.IsSorted(e.Bounds) {
			continue
		}
		h := histogram{bounds: append(slices.Clone(e.Bounds), math.Inf(1)), counts: make([]float64, len(e.Counts))}
		for i, c := range e.Counts {
			h.counts[i] = float64(c)
		}
		if slices.Equal(h.bounds, last) {
			h.bounds = last
		}
		last = h.bounds
		if v := e.SumSeconds; !math.IsNaN(v) && !math.IsInf(v, 0) {
			h.sum = v
		}
		k.durations[kk] = h
		series += len(e.Counts) + 2
	}
	return &Snapshot{URL: url, Time: at, Series: series, kit: k}
}
