package devregistry

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/consul/api"
)

// pending runs a request on its own goroutine; done is closed when it ends.
type pending struct {
	rec  *httptest.ResponseRecorder
	done chan struct{}
}

func start(reg *Registry, target string) *pending {
	p := &pending{rec: httptest.NewRecorder(), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		req := httptest.NewRequest("GET", target, nil)
		req.Host = DefaultAddr
		reg.Handler().ServeHTTP(p.rec, req)
	}()
	return p
}

func (p *pending) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func index(t *testing.T, rec *httptest.ResponseRecorder) uint64 {
	t.Helper()
	i, err := strconv.ParseUint(rec.Header().Get("X-Consul-Index"), 10, 64)
	if err != nil {
		t.Fatalf("X-Consul-Index: %v", err)
	}
	return i
}

func TestBlockingQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := New(Options{})
		defer reg.Close()
		h := reg.Handler()
		mustOK(t, do(h, "PUT", "/v1/agent/service/register", ttlReg("a", "svc", "1h", "passing")))
		idx := index(t, do(h, "GET", "/v1/health/service/svc", nil))
		q := "/v1/health/service/svc?passing&wait=1m&index=" + strconv.FormatUint(idx, 10)

		// A change wakes the query at once.
		p := start(reg, q)
		synctest.Wait()
		if p.finished() {
			t.Fatal("query with the current index returned without a change")
		}
		// Repeating the same status is no change: the query stays parked.
		mustOK(t, do(h, "PUT", "/v1/agent/check/pass/service:a", nil))
		// Another service's change is no change for this query either.
		mustOK(t, do(h, "PUT", "/v1/agent/service/register", ttlReg("b", "other", "1h", "passing")))
		synctest.Wait()
		if p.finished() {
			t.Fatal("an idempotent heartbeat or another service woke the query")
		}
		t0 := time.Now()
		mustOK(t, do(h, "PUT", "/v1/agent/check/warn/service:a?note=slow", nil))
		<-p.done
		if time.Since(t0) != 0 {
			t.Fatalf("woke after %v of fake time, want 0", time.Since(t0))
		}
		if got := index(t, p.rec); got <= idx {
			t.Fatalf("index %d after change, want > %d", got, idx)
		}
		if e := decodeEntries(t, p.rec); len(e) != 0 {
			t.Fatalf("passing entries = %d after warn, want 0", len(e))
		}

		// No change: the query answers after wait (plus at most wait/16) with the same index.
		idx = index(t, p.rec)
		t0 = time.Now()
		p = start(reg, "/v1/health/service/svc?wait=16s&index="+strconv.FormatUint(idx, 10))
		<-p.done
		if d := time.Since(t0); d < 16*time.Second || d > 17*time.Second {
			t.Fatalf("timed out after %v, want 16s..17s", d)
		}
		if got := index(t, p.rec); got != idx {
			t.Fatalf("index %d after timeout, want %d", got, idx)
		}

		// Without wait, Consul's default is 5 minutes.
		t0 = time.Now()
		p = start(reg, "/v1/health/service/svc?index="+strconv.FormatUint(idx, 10))
		<-p.done
		if d := time.Since(t0); d < 5*time.Minute || d > 5*time.Minute+5*time.Minute/16 {
			t.Fatalf("default wait %v", d)
		}
		// wait is capped at 10 minutes.
		t0 = time.Now()
		p = start(reg, "/v1/health/service/svc?wait=1h&index="+strconv.FormatUint(idx, 10))
		<-p.done
		if d := time.Since(t0); d > 10*time.Minute+10*time.Minute/16 {
			t.Fatalf("wait not capped: %v", d)
		}

		// A query on a service that does not exist yet wakes when it appears.
		idx = index(t, do(h, "GET", "/v1/health/service/later", nil))
		p = start(reg, "/v1/health/service/later?wait=1m&index="+strconv.FormatUint(idx, 10))
		synctest.Wait()
		mustOK(t, do(h, "PUT", "/v1/agent/service/register", ttlReg("l", "later", "1h", "passing")))
		<-p.done
		if e := decodeEntries(t, p.rec); len(e) != 1 || index(t, p.rec) <= idx {
			t.Fatalf("later: %d entries, index %d (was %d)", len(e), index(t, p.rec), idx)
		}

		// Catalog queries block too and wake on registration.
		cidx := index(t, do(h, "GET", "/v1/catalog/services", nil))
		p = start(reg, "/v1/catalog/services?wait=1m&index="+strconv.FormatUint(cidx, 10))
		synctest.Wait()
		if p.finished() {
			t.Fatal("catalog query returned early")
		}
		mustOK(t, do(h, "PUT", "/v1/agent/service/deregister/b", nil))
		<-p.done
		if index(t, p.rec) <= cidx {
			t.Fatal("catalog index did not move")
		}
	})
}

func TestCloseEndsBlockingQueries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := New(Options{})
		idx := index(t, do(reg.Handler(), "GET", "/v1/health/service/svc", nil))
		var ps []*pending
		for range 10 {
			ps = append(ps, start(reg, "/v1/health/service/svc?wait=10m&index="+strconv.FormatUint(idx, 10)))
		}
		synctest.Wait()
		t0 := time.Now()
		reg.Close()
		for _, p := range ps {
			<-p.done
			mustOK(t, p.rec)
		}
		if time.Since(t0) != 0 {
			t.Fatalf("Close took %v of fake time", time.Since(t0))
		}
	})
}

func TestTTLExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := New(Options{})
		defer reg.Close()
		h := reg.Handler()
		r := ttlReg("a", "svc", "10s", "passing")
		r.Check.DeregisterCriticalServiceAfter = "1m"
		mustOK(t, do(h, "PUT", "/v1/agent/service/register", r))
		mustOK(t, do(h, "PUT", "/v1/agent/service/register", ttlReg("keep", "svc", "10s", "passing")))
		passing := func() int { return len(decodeEntries(t, do(h, "GET", "/v1/health/service/svc?passing", nil))) }

		// Heartbeats inside the TTL keep both passing for a minute.
		for range 12 {
			time.Sleep(5 * time.Second)
			mustOK(t, do(h, "PUT", "/v1/agent/check/update/service:a", map[string]string{"Status": "passing"}))
			mustOK(t, do(h, "PUT", "/v1/agent/check/pass/service:keep", nil))
		}
		synctest.Wait()
		if n := passing(); n != 2 {
			t.Fatalf("passing = %d with heartbeats, want 2", n)
		}
		// Stop a's heartbeat: passing until its TTL runs out, critical after.
		for range 9 {
			time.Sleep(time.Second)
			mustOK(t, do(h, "PUT", "/v1/agent/check/pass/service:keep", nil))
		}
		synctest.Wait()
		if n := passing(); n != 2 {
			t.Fatalf("passing = %d at 9s, want 2", n)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := passing(); n != 1 {
			t.Fatalf("passing = %d at 10s, want 1", n)
		}
		all := decodeEntries(t, do(h, "GET", "/v1/health/service/svc", nil))
		if len(all) != 2 || all[0].Checks.AggregatedStatus() != api.HealthCritical || all[0].Checks[1].Output != "TTL expired" {
			t.Fatalf("after expiry: %+v", all[0].Checks[1])
		}
		// Critical for DeregisterCriticalServiceAfter: the service is reaped.
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if all := decodeEntries(t, do(h, "GET", "/v1/health/service/svc", nil)); len(all) != 2 {
			t.Fatalf("reaped early: %d entries", len(all))
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if all := decodeEntries(t, do(h, "GET", "/v1/health/service/svc", nil)); len(all) != 1 || all[0].Service.ID != "keep" {
			t.Fatalf("after reap: %d entries", len(all))
		}
		if rec := do(h, "PUT", "/v1/agent/check/pass/service:a", nil); rec.Code != 404 {
			t.Fatalf("pass on reaped check: %d", rec.Code)
		}
	})
}
