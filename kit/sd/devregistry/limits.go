package devregistry

import (
	"errors"
	"fmt"
)

// DefaultMaxBlockingQueries is how many blocking queries may be parked at
// once when Options.MaxBlockingQueries is zero. Each costs a connection
// and its goroutines (about 30 KiB); a fleet of a few hundred instances
// watched by a few workbenches parks far fewer.
const DefaultMaxBlockingQueries = 1024

// ErrTooManyQueries is returned (as HTTP 429 with Retry-After) to a
// blocking query that would park beyond Options.MaxBlockingQueries.
var ErrTooManyQueries = errors.New("devregistry: too many blocking queries")

// park takes a slot for a blocking query that is about to wait; the
// caller calls unpark when it stops waiting.
func (r *Registry) park() error {
	if r.maxParked <= 0 {
		return nil
	}
	if n := r.parked.Add(1); n > r.maxParked {
		r.parked.Add(-1)
		return fmt.Errorf("%w: %d are already waiting, the limit (devregistry.Options.MaxBlockingQueries); retry in a moment, or raise the limit",
			ErrTooManyQueries, r.maxParked)
	}
	return nil
}

func (r *Registry) unpark() {
	if r.maxParked > 0 {
		r.parked.Add(-1)
	}
}

// shrinkAt is the high-water mark below which a map is never rebuilt.
const shrinkAt = 256

// shrink returns m, or a copy of it sized for what it holds now when it
// has fallen to a quarter of its high-water mark *hi: Go maps never give
// back the space of deleted entries, so a registry that saw 100 000
// services would otherwise keep their buckets forever. Call it after each
// delete; the copies cost O(1) per delete, amortised.
func shrink[K comparable, V any](m map[K]V, hi *int) map[K]V {
	n := len(m)
	*hi = max(*hi, n+1) // the size before this delete
	if *hi < shrinkAt || n > *hi/4 {
		return m
	}
	out := make(map[K]V, n) // not maps.Clone, which may keep m's size
	for k, v := range m {
		out[k] = v
	}
	*hi = n
	return out
}
