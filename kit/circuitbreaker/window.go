package circuitbreaker

import (
	"sync"
	"sync/atomic"
)

// window is a rolling window of success and failure counts kept in
// buckets. Writers add to the bucket of their time with atomic adds; a
// writer that is first into a new bucket takes mu to recycle the buckets
// that left the window (once per bucket width, not per call). Readers sum
// the buckets whose epoch lies in the window, with no lock.
//
// A writer preempted for longer than the whole window between reading the
// time and adding may add one count to a recycled bucket; the counts are
// statistics for a trip decision, and that error is accepted.
type window struct {
	width int64 // bucket width in nanoseconds
	head  atomic.Int64
	mu    sync.Mutex
	b     []bucket
}

type bucket struct {
	epoch     atomic.Int64 // the bucket index this bucket currently holds
	failures  atomic.Uint64
	successes atomic.Uint64
}

func newWindow(width int64, n int) *window {
	w := &window{width: width, b: make([]bucket, n)}
	w.head.Store(-1)
	for i := range w.b {
		w.b[i].epoch.Store(-1)
	}
	return w
}

// index returns the bucket index of elapsed nanoseconds since the breaker
// started.
func (w *window) index(elapsed int64) int64 {
	if elapsed < 0 {
		return 0
	}
	return elapsed / w.width
}

// add counts one outcome in bucket idx.
func (w *window) add(idx int64, failed bool) {
	if idx > w.head.Load() {
		w.rotate(idx)
	}
	b := &w.b[idx%int64(len(w.b))]
	if b.epoch.Load() != idx {
		return // idx left the window while this call ran
	}
	if failed {
		b.failures.Add(1)
	} else {
		b.successes.Add(1)
	}
}

// rotate recycles the buckets between the current head and idx.
func (w *window) rotate(idx int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	head := w.head.Load()
	if idx <= head {
		return
	}
	n := int64(len(w.b))
	start := max(head+1, idx-n+1)
	for k := start; k <= idx; k++ {
		b := &w.b[k%n]
		b.successes.Store(0)
		b.failures.Store(0)
		b.epoch.Store(k)
	}
	w.head.Store(idx)
}

// sum returns the counts of the window that ends with bucket idx.
func (w *window) sum(idx int64) (successes, failures uint64) {
	n := int64(len(w.b))
	for i := range w.b {
		b := &w.b[i]
		if e := b.epoch.Load(); e > idx-n && e <= idx {
			successes += b.successes.Load()
			failures += b.failures.Load()
		}
	}
	return successes, failures
}
