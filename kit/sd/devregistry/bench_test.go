package devregistry

import (
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkBlockingWakeups measures one index change waking 1 000 parked
// health queries, each of which answers and parks again. One op is one
// change and 1 000 answered queries.
func BenchmarkBlockingWakeups(b *testing.B) {
	const watchers = 1000
	reg := New(Options{})
	h := reg.Handler()
	for i := range 3 {
		id := "svc-" + strconv.Itoa(i)
		if rec := do(h, "PUT", "/v1/agent/service/register", ttlReg(id, "svc", "1h", "passing")); rec.Code != 200 {
			b.Fatal(rec.Body)
		}
	}
	first := do(h, "GET", "/v1/health/service/svc", nil).Header().Get("X-Consul-Index")

	var round sync.WaitGroup
	var stop atomic.Bool
	var exited sync.WaitGroup
	for range watchers {
		exited.Add(1)
		go func() {
			defer exited.Done()
			idx := first
			for !stop.Load() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/health/service/svc?wait=10m&index="+idx, nil))
				next := rec.Header().Get("X-Consul-Index")
				if next != idx && !stop.Load() {
					round.Done()
				}
				idx = next
			}
		}()
	}

	b.ReportAllocs()
	b.ResetTimer()
	statuses := [2]string{"warn", "pass"}
	for i := 0; b.Loop(); i++ {
		round.Add(watchers)
		if rec := do(h, "PUT", "/v1/agent/check/"+statuses[i%2]+"/service:svc-0", nil); rec.Code != 200 {
			b.Fatal(rec.Body)
		}
		round.Wait()
	}
	b.StopTimer()
	b.ReportMetric(float64(watchers)*float64(b.N)/b.Elapsed().Seconds(), "wakeups/s")
	stop.Store(true)
	reg.Close()
	exited.Wait()
}
