package lb

import (
	"sync"
	"time"
)

const (
	budgetBuckets = 10
	budgetBucket  = time.Second
)

// Budget limits retries to a share of the requests, so a failing backend
// cannot multiply the load on it. Over a sliding window of the last 10
// seconds (ten 1 s buckets), a retry is allowed while
//
//	retries < requests × percent / 100 + minRetries
//
// counting requests and retries started in the window. The numbers are
// Envoy's (20 %, 3), but Envoy counts concurrent requests and retries; a
// concurrency-only budget lets a serial caller retry every request, so this
// one counts over time, with minRetries as the floor that lets a service
// with little traffic retry at all. In any window, retries are at most
// 20 % of the requests plus 3.
//
// One Budget may be shared by several Retry endpoints that call the same
// backend. A Budget is safe for concurrent use.
type Budget struct {
	percent, minRetries int64

	mu      sync.Mutex
	buckets [budgetBuckets]budgetCount
}

type budgetCount struct {
	slot              int64 // index of the second the counts belong to
	requests, retries int64
}

// NewBudget returns a Budget allowing percent retries per 100 requests plus
// minRetries, over the last 10 seconds. Zero percent means 20 and zero
// minRetries means 3; negative values mean 0.
func NewBudget(percent, minRetries int) *Budget {
	if percent == 0 {
		percent = 20
	}
	if minRetries == 0 {
		minRetries = 3
	}
	return &Budget{percent: int64(max(percent, 0)), minRetries: int64(max(minRetries, 0))}
}

func (b *Budget) current() *budgetCount {
	slot := time.Now().UnixNano() / int64(budgetBucket)
	c := &b.buckets[slot%budgetBuckets]
	if c.slot != slot {
		*c = budgetCount{slot: slot}
	}
	return c
}

func (b *Budget) request() {
	b.mu.Lock()
	b.current().requests++
	b.mu.Unlock()
}

// retry reports whether a retry is allowed now, and counts it if so.
func (b *Budget) retry() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.current()
	var requests, retries int64
	for i := range b.buckets {
		if x := &b.buckets[i]; x.slot > c.slot-budgetBuckets {
			requests += x.requests
			retries += x.retries
		}
	}
	if retries*100 >= requests*b.percent+b.minRetries*100 {
		return false
	}
	c.retries++
	return true
}
