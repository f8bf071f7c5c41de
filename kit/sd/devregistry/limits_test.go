package devregistry

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
)

func TestBlockingQueryCap(t *testing.T) {
	testutil.NoLeaks(t)
	if got := New(Options{}).maxParked; got != DefaultMaxBlockingQueries {
		t.Fatalf("default cap %d, want %d", got, DefaultMaxBlockingQueries)
	}
	const limit = 3
	reg := New(Options{MaxBlockingQueries: limit})
	addr := startHTTP(t, reg)
	c := newAPIClient(t, addr)
	if err := c.Agent().ServiceRegister(ttlReg("svc-1", "svc", "1h", "passing")); err != nil {
		t.Fatal(err)
	}
	_, meta, err := c.Health().Service("svc", "", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	blocking := "/v1/health/service/svc?passing&wait=1m&index=" + strconv.FormatUint(meta.LastIndex, 10)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	done := make(chan int, limit)
	for range limit {
		go func() {
			resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + blocking)
			if err != nil {
				done <- -1
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	testutil.WaitFor(t, "the registry to park the limit of requests", 10*time.Second, func() bool { return reg.parked.Load() == limit })

	// One more is refused at once, with a message and a Retry-After.
	req, _ := http.NewRequest("GET", "http://"+addr+blocking, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, body := raw(t, addr, "GET", "/v1/catalog/services?wait=1m&index="+strconv.FormatUint(meta.LastIndex, 10), "", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		code != http.StatusTooManyRequests || !strings.Contains(body, "MaxBlockingQueries") {
		t.Fatalf("past the cap: %d (Retry-After %q); catalog %d %q; want 429 naming the option",
			resp.StatusCode, resp.Header.Get("Retry-After"), code, body)
	}
	// A query that need not wait is answered whatever the count.
	if code, _ := raw(t, addr, "GET", "/v1/health/service/svc?index=1", "", nil); code != 200 {
		t.Fatalf("non-blocking query at the cap: %d", code)
	}
	if err := reg.register(ttlReg("svc-2", "svc", "1h", "passing"), false); err != nil {
		t.Fatal(err)
	}
	for range limit {
		if code := <-done; code != 200 {
			t.Errorf("a parked query answered %d", code)
		}
	}
	if n := reg.parked.Load(); n != 0 {
		t.Fatalf("parked = %d after every query returned", n)
	}
	if err := reg.await(t.Context(), query{index: 1 << 62, wait: time.Millisecond}, func() (uint64, chan struct{}) {
		return 0, make(chan struct{})
	}); err != nil {
		t.Fatalf("a slot was not given back: %v", err)
	}
}

// heapAfterGC returns the live heap after a full collection.
func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // the first may leave finalised objects for the second
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// churn registers n services, each under a name of its own and with a TTL
// check, then deregisters them all.
func churn(tb testing.TB, reg *Registry, n int) {
	for i := range n {
		id := "svc-" + strconv.Itoa(i)
		if err := reg.register(ttlReg(id, id, "1h", "passing"), false); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range n {
		if err := reg.deregister("svc-" + strconv.Itoa(i)); err != nil {
			tb.Fatal(err)
		}
	}
}

const (
	churnServices = 100_000
	heapSlackMiB  = 10
)

func TestHeapReturnsAfterDeregistration(t *testing.T) {
	if testing.Short() {
		t.Skip("registers 100 000 services")
	}
	reg := New(Options{})
	defer reg.Close()
	base := heapAfterGC()
	churn(t, reg, churnServices)
	after := heapAfterGC()
	grown := (float64(after) - float64(base)) / (1 << 20)
	t.Logf("heap after %d services registered and deregistered: %+.2f MiB (%.1f → %.1f MiB)",
		churnServices, grown, float64(base)/(1<<20), float64(after)/(1<<20))
	if grown > heapSlackMiB {
		t.Errorf("heap grew by %.1f MiB, want at most %d", grown, heapSlackMiB)
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if len(reg.names) != 0 || len(reg.services) != 0 || len(reg.checks) != 0 {
		t.Errorf("left behind: %d names, %d services, %d checks", len(reg.names), len(reg.services), len(reg.checks))
	}
}

// The same over loopback HTTP with the real Consul client, smaller.
func TestNoTombstonesOverHTTP(t *testing.T) {
	reg := New(Options{})
	c := newAPIClient(t, startHTTP(t, reg))
	const n = 500
	var last uint64
	for i := range n {
		id := "svc-" + strconv.Itoa(i)
		if err := c.Agent().ServiceRegister(ttlReg(id, id, "1h", "passing")); err != nil {
			t.Fatal(err)
		}
		if err := c.Agent().ServiceDeregister(id); err != nil {
			t.Fatal(err)
		}
		_, meta, err := c.Health().Service(id, "", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The name is gone, but its index does not go back.
		if meta.LastIndex < last {
			t.Fatalf("%s: index went back from %d to %d", id, last, meta.LastIndex)
		}
		last = meta.LastIndex
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if len(reg.names) != 0 {
		t.Errorf("%d service names kept after every instance left", len(reg.names))
	}
}

// BenchmarkChurnHeap registers and deregisters 100 000 services per op and
// reports the live heap left behind (heap-MiB), which should stay near 0.
func BenchmarkChurnHeap(b *testing.B) {
	b.ReportAllocs()
	var grown float64
	for b.Loop() {
		reg := New(Options{})
		base := heapAfterGC()
		churn(b, reg, churnServices)
		grown = (float64(heapAfterGC()) - float64(base)) / (1 << 20)
		reg.Close()
	}
	b.ReportMetric(grown, "heap-MiB")
}
