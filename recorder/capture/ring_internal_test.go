package capture

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/recorder"
)

// TestRingBoundsUnderConcurrentWriters serves requests of every size
// through the Ring from 8 goroutines while 2 others read it, in process
// (the bounds are the Ring's, not the network's). The Ring never holds
// more exchanges than its slots nor more bytes than its bound, every
// stored exchange reads back whole, and a body over a slot is kept cut
// and marked, never left out.
func TestRingBoundsUnderConcurrentWriters(t *testing.T) {
	const size, failures, bytesBound = 32, 8, 40 << 10 // 1 KiB a slot
	g, err := NewRing(Options{Service: "bounds"}, RingOptions{Size: size, Failures: failures, Bytes: bytesBound})
	if err != nil {
		t.Fatal(err)
	}
	h := g.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.HasSuffix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = w.Write(b)
	}))
	const writers, each = 8, 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := g.WriteExchanges(io.Discard, introspect.ExchangeQuery{Limit: 1000}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				path := fmt.Sprintf("/w%d/%d", w, i)
				if i%7 == 0 {
					path += "/fail"
				}
				body := strings.Repeat("x", (i*37)%3000) // some over a slot
				r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
				h.ServeHTTP(httptest.NewRecorder(), r)
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	held := 0
	for _, part := range []*ringPart{&g.ok, &g.fail} {
		for i := range part.slots {
			if c := cap(part.slots[i].buf); c > 0 {
				held += c
				if c != g.slotN {
					t.Errorf("a slot holds %d bytes, want %d", c, g.slotN)
				}
			}
		}
	}
	if held > bytesBound {
		t.Errorf("the ring holds %d bytes, bound %d", held, bytesBound)
	}
	var out bytes.Buffer
	page, err := g.WriteExchanges(&out, introspect.ExchangeQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if page.Count != size+failures {
		t.Errorf("read %d exchanges after %d calls, want every slot (%d)", page.Count, writers*each, size+failures)
	}
	s, err := recorder.Read(&out, recorder.ReadOptions{})
	if err != nil || len(s.Errors) > 0 {
		t.Fatalf("the answer does not read back: %v %v", err, s.Errors)
	}
	fails, cut := 0, 0
	for _, ex := range s.Exchanges {
		if ex.Response.Status == 500 {
			fails++
		}
		if b := ex.Request.Body; b != nil && b.Truncated {
			cut++
			if b.Size <= int64(len(b.Bytes)) {
				t.Errorf("exchange %s: truncated body of size %d keeps %d bytes", ex.ID, b.Size, len(b.Bytes))
			}
		}
	}
	if fails != failures {
		t.Errorf("%d failures kept, want the failures' ring full (%d)", fails, failures)
	}
	st := g.Stats()
	if st.Recorded+st.Lapped != writers*each || st.Truncated == 0 || cut == 0 {
		t.Errorf("stats %+v after %d calls, %d cut bodies read: want every call counted and some truncated", st, writers*each, cut)
	}
}

// TestRingTruncatesLargeRequest: a request larger than a slot is kept
// with its first bytes, marked truncated with its full size, and its
// response too; nothing is left out.
func TestRingTruncatesLargeRequest(t *testing.T) {
	g, err := NewRing(Options{}, RingOptions{Size: 4, Failures: -1, Bytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	h := g.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"read":%d,"pad":%q}`, n, strings.Repeat("y", 5000))
	}))
	big := `{"blob":"` + strings.Repeat("z", 100<<10) + `"}`
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/big", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(httptest.NewRecorder(), req)
	var out bytes.Buffer
	if _, err := g.WriteExchanges(&out, introspect.ExchangeQuery{}); err != nil {
		t.Fatal(err)
	}
	s, err := recorder.Read(&out, recorder.ReadOptions{})
	if err != nil || len(s.Exchanges) != 1 {
		t.Fatalf("want the one exchange, got %v (%v)", s, err)
	}
	ex := s.Exchanges[0]
	for name, b := range map[string]*recorder.Body{"request": ex.Request.Body, "response": ex.Response.Body} {
		if b == nil || !b.Truncated || len(b.Bytes) == 0 || b.Size <= int64(len(b.Bytes)) {
			t.Errorf("%s body %+v: want its first bytes, marked truncated, with its full size", name, b)
		}
	}
	if ex.Request.Body.Size != int64(len(big)) {
		t.Errorf("request size %d, want %d", ex.Request.Body.Size, len(big))
	}
	if g.Stats().Truncated != 1 {
		t.Errorf("stats %+v: want the exchange counted as truncated", g.Stats())
	}
}
