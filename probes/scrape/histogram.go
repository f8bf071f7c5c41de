package scrape

import (
	"math"
	"slices"
	"time"
)

// delta is the histogram of the observations made between before and
// now. A missing before, a changed bucket layout or any count going down
// means the series restarted, and now is the whole delta.
func delta(before, now histogram) histogram {
	if len(before.bounds) == 0 || !slices.Equal(before.bounds, now.bounds) {
		return monotonic(now)
	}
	out := histogram{bounds: now.bounds, counts: make([]float64, len(now.counts)), sum: now.sum - before.sum}
	if out.sum < 0 {
		return monotonic(now)
	}
	for i := range now.counts {
		d := now.counts[i] - before.counts[i]
		if d < 0 {
			return monotonic(now)
		}
		out.counts[i] = d
	}
	return monotonic(out)
}

// monotonic returns h with cumulative counts that never decrease (a
// count below an earlier bucket's, from precision loss or a racy
// exposition, is raised to it), as histogram_quantile does. It copies
// the counts unless they already are monotonic, so the snapshot's own
// slices are never written.
func monotonic(h histogram) histogram {
	for i := 1; i < len(h.counts); i++ {
		if h.counts[i] < h.counts[i-1] {
			c := slices.Clone(h.counts)
			for j := i; j < len(c); j++ {
				c[j] = max(c[j], c[j-1])
			}
			return histogram{bounds: h.bounds, counts: c, sum: h.sum}
		}
	}
	return h
}

// latency fills e's quantiles, mean and floor from h.
func (e *EndpointStats) latency(h histogram) {
	e.P50, e.P90, e.P99 = quantile(0.5, h), quantile(0.9, h), quantile(0.99, h)
	e.Mean, e.Floor = 0, 0
	if n := len(h.counts); n > 0 && h.counts[n-1] > 0 {
		e.Mean = seconds(h.sum / h.counts[n-1])
	}
	if len(h.bounds) > 1 {
		e.Floor = seconds(h.bounds[0])
	}
}

// quantile estimates the q-quantile (0 < q < 1) of a monotonic histogram
// ending in +Inf, as Prometheus's histogram_quantile does for classic
// histograms: find the bucket holding the rank q×count and interpolate
// linearly between its bounds, the lowest bucket starting at zero. A
// rank in the +Inf bucket yields the largest finite bound.
func quantile(q float64, h histogram) time.Duration {
	n := len(h.bounds)
	if n < 2 || h.counts[n-1] <= 0 {
		return 0
	}
	rank := q * h.counts[n-1]
	b, _ := slices.BinarySearch(h.counts, rank) // first bucket with count >= rank
	var v float64
	switch {
	case b >= n-1:
		v = h.bounds[n-2]
	case b == 0 && h.bounds[0] <= 0:
		v = h.bounds[0]
	default:
		var lo, below float64
		if b > 0 {
			lo, below = h.bounds[b-1], h.counts[b-1]
		}
		v = lo + (h.bounds[b]-lo)*(rank-below)/(h.counts[b]-below)
	}
	return seconds(v)
}

// seconds converts a bound in seconds to a Duration, saturating instead
// of overflowing and mapping negative or NaN values to zero.
func seconds(v float64) time.Duration {
	switch {
	case math.IsNaN(v) || v <= 0:
		return 0
	case v >= math.MaxInt64/float64(time.Second):
		return math.MaxInt64
	}
	return time.Duration(math.Round(v * float64(time.Second)))
}

// merge adds histograms up by bound. For a bound one of them lacks, that
// histogram contributes its count at its largest bound below: the number
// of its observations known to be at or under the bound.
func merge(hs []histogram) histogram {
	switch len(hs) {
	case 0:
		return histogram{}
	case 1:
		return hs[0]
	}
	same := true
	var bounds []float64
	for _, h := range hs {
		bounds = append(bounds, h.bounds...)
		same = same && slices.Equal(h.bounds, hs[0].bounds)
	}
	if same {
		bounds = hs[0].bounds
	} else {
		slices.Sort(bounds)
		bounds = slices.Compact(bounds)
	}
	out := histogram{bounds: bounds, counts: make([]float64, len(bounds))}
	for _, h := range hs {
		out.sum += h.sum
		j := -1
		for i, u := range bounds {
			for j+1 < len(h.bounds) && h.bounds[j+1] <= u {
				j++
			}
			if j >= 0 {
				out.counts[i] += h.counts[j]
			}
		}
	}
	return out
}
