package hub

import (
	"fmt"
	"testing"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// traffic adds n traces of 2 spans each to the hub's ring, ids "t<from>"…
func traffic(h *Hub, from, n int) {
	for i := from; i < from+n; i++ {
		id := fmt.Sprintf("t%05d", i)
		h.mu.Lock()
		h.spansLocked(Key{"book", "b1"}, []wire.Span{{TraceID: id, SpanID: id + "a"}, {TraceID: id, SpanID: id + "b", ParentSpanID: id + "a"}}, 0)
		h.mu.Unlock()
	}
}

func pinHub(t *testing.T, ring int) *Hub {
	t.Helper()
	h, err := New(Options{Source: make(chanSource), SpanRing: ring})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// TestPinKeepsATraceThroughEviction: a pinned trace survives the ring
// turning over many times, whole; an unpinned one does not; unpinning
// releases the kept spans.
func TestPinKeepsATraceThroughEviction(t *testing.T) {
	h := pinHub(t, 100) // 50 traces
	traffic(h, 0, 10)
	h.Pin("t00003", "", "t00004")
	if got := h.Pinned(); len(got) != 2 || got[0] != "t00003" || got[1] != "t00004" {
		t.Fatalf("Pinned() = %v", got)
	}
	traffic(h, 10, 500) // the ring turns over ten times
	for _, id := range []string{"t00003", "t00004"} {
		tr, ok := h.Trace(id)
		if !ok || tr.Spans != 2 || len(tr.Roots) != 1 {
			t.Fatalf("pinned trace %s: ok=%v %+v", id, ok, tr)
		}
	}
	if _, ok := h.Trace("t00005"); ok {
		t.Fatal("an unpinned trace survived the ring turning over")
	}
	found := 0
	for _, tr := range h.Traces(0) {
		if tr.ID == "t00003" || tr.ID == "t00004" {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("Traces(0) holds %d of the 2 pinned traces", found)
	}
	h.Pin("t00004")
	if _, ok := h.Trace("t00003"); ok {
		t.Fatal("an unpinned trace kept its spans")
	}
	if h.spans.pins.n != 2 {
		t.Fatalf("%d kept spans, want the 2 of t00004", h.spans.pins.n)
	}
	h.Pin()
	if h.spans.pins.n != 0 || len(h.Pinned()) != 0 {
		t.Fatalf("Pin() left %d kept spans, %v pinned", h.spans.pins.n, h.Pinned())
	}
}

// TestPinIsBounded: at most PinLimit ids, and at most SpanRing kept spans
// however large a pinned trace grows.
func TestPinIsBounded(t *testing.T) {
	h := pinHub(t, 10)
	var ids []string
	for i := range PinLimit + 5 {
		ids = append(ids, fmt.Sprint("p", i))
	}
	h.Pin(ids...)
	if n := len(h.Pinned()); n != PinLimit {
		t.Fatalf("%d pinned, want %d", n, PinLimit)
	}
	h.Pin("big")
	for i := range 1000 { // one trace of 1000 spans through a ring of 10
		h.mu.Lock()
		h.spansLocked(Key{"book", "b1"}, []wire.Span{{TraceID: "big", SpanID: fmt.Sprint(i)}}, 0)
		h.mu.Unlock()
	}
	if h.spans.pins.n != 10 {
		t.Fatalf("%d kept spans, want the bound of 10", h.spans.pins.n)
	}
	if tr, ok := h.Trace("big"); !ok || tr.Spans != 20 {
		t.Fatalf("big trace: ok=%v, %d spans, want 10 kept + 10 in the ring", ok, tr.Spans)
	}
}
