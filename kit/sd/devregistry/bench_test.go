package devregistry

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkBlockingWakeups measures one index change waking 1 000 parked
// health queries, each of which answers and parks again. One op is one
// change and 1 000 answered queries. transport=handler calls the handler
// directly (the registry's own cost); transport=http goes through loopback
// HTTP with one keep-alive connection per watcher.
func BenchmarkBlockingWakeups(b *testing.B) {
	const watchers = 1000
	b.Run("transport=handler", func(b *testing.B) {
		reg := New(Options{})
		h := reg.Handler()
		benchWakeups(b, reg, watchers, func(target string) string {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", target, nil)
			req.Host = DefaultAddr
			h.ServeHTTP(rec, req)
			return rec.Header().Get("X-Consul-Index")
		})
	})
	b.Run("transport=http", func(b *testing.B) {
		reg := New(Options{})
		srv := httptest.NewServer(reg.Handler())
		defer srv.Close()
		tr := &http.Transport{MaxIdleConnsPerHost: watchers}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		benchWakeups(b, reg, watchers, func(target string) string {
			resp, err := client.Get(srv.URL + target)
			if err != nil {
				return ""
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.Header.Get("X-Consul-Index")
		})
	})
}

func benchWakeups(b *testing.B, reg *Registry, watchers int, get func(target string) string) {
	h := reg.Handler()
	for i := range 3 {
		id := "svc-" + strconv.Itoa(i)
		if rec := do(h, "PUT", "/v1/agent/service/register", ttlReg(id, "svc", "1h", "passing")); rec.Code != 200 {
			b.Fatal(rec.Body)
		}
	}
	first := do(h, "GET", "/v1/health/service/svc", nil).Header().Get("X-Consul-Index")

	var round, exited sync.WaitGroup
	var stop atomic.Bool
	for range watchers {
		exited.Add(1)
		go func() {
			defer exited.Done()
			idx := first
			for !stop.Load() {
				next := get("/v1/health/service/svc?passing&wait=10m&index=" + idx)
				if next != idx && next != "" && !stop.Load() {
					round.Done()
				}
				if next != "" {
					idx = next
				}
			}
		}()
	}

	b.ReportAllocs()
	statuses := [2]string{"warn", "pass"}
	for i := 0; b.Loop(); i++ {
		round.Add(watchers)
		if rec := do(h, "PUT", "/v1/agent/check/"+statuses[i%2]+"/service:svc-0", nil); rec.Code != 200 {
			b.Fatal(rec.Body)
		}
		round.Wait()
	}
	b.ReportMetric(float64(watchers)*float64(b.N)/b.Elapsed().Seconds(), "wakeups/s")
	stop.Store(true)
	reg.Close()
	exited.Wait()
}
