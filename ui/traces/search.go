package traces

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kitbench/kitbench/probes/hub"
)

// Order is how the list is sorted.
type Order uint8

// Orders. The zero value lists the newest trace first.
const (
	ByTime     Order = iota // newest first
	ByDuration              // slowest first
)

func (o Order) String() string {
	if o == ByDuration {
		return "duration"
	}
	return "time"
}

// result is one search over the traces held.
type result struct {
	traces  []*hub.Trace // matching, sorted, at most limit (plus kept ones)
	matched int          // traces that match, before the limit
}

// search picks the traces of all (newest first, as the hub returns them)
// that match q, sorts them by o and keeps the first limit, plus any trace
// named in keep that matches (the selected and the open trace stay listed
// however many newer ones arrive). It reads its arguments only: the view
// runs it in a command.
func search(all []*hub.Trace, q Query, o Order, limit int, keep []string) result {
	var r result
	for _, t := range all {
		if t != nil && q.Match(t) {
			r.traces = append(r.traces, t)
		}
	}
	r.matched = len(r.traces)
	if o == ByDuration {
		slices.SortStableFunc(r.traces, func(a, b *hub.Trace) int { return cmp.Compare(b.Duration, a.Duration) })
	}
	if limit <= 0 || len(r.traces) <= limit {
		return r
	}
	out := r.traces[:limit:limit]
	for _, t := range r.traces[limit:] {
		if slices.Contains(keep, t.ID) {
			out = append(out, t)
		}
	}
	r.traces = out
	return r
}

// lookup finds the trace whose id is id or starts with it: one match
// gives the trace, several give their count. It reads src (the view runs it
// in a command).
func lookup(src Source, id string) (tr *hub.Trace, matches int) {
	if t, ok := src.Trace(id); ok {
		return t, 1
	}
	for _, t := range src.Traces(0) {
		if strings.HasPrefix(t.ID, id) {
			tr = t
			matches++
		}
	}
	if matches != 1 {
		tr = nil
	}
	return tr, matches
}
