package hub

import (
	"fmt"
	"testing"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

func newSub(max int) *Subscription {
	return &Subscription{hub: &Hub{subs: map[*Subscription]struct{}{}}, notify: make(chan struct{}, 1),
		done: make(chan struct{}), pending: map[ckey]*entry{}, max: max}
}

func drain(s *Subscription) []Msg {
	var out []Msg
	for {
		m, ok := s.TryNext()
		if !ok {
			return out
		}
		out = append(out, m)
	}
}

func TestSubscriptionCoalesces(t *testing.T) {
	s := newSub(100)
	k := Key{"book", "b1"}
	s.push(BreakerUpdate{Key: k, Breaker: wire.Breaker{Name: "Get", State: wire.StateClosed}})
	s.push(SpanBatch{Key: k, Spans: []wire.Span{{SpanID: "1"}}})
	s.push(SpanBatch{Key: k, Spans: []wire.Span{{SpanID: "2"}}})
	s.push(BreakerUpdate{Key: k, Breaker: wire.Breaker{Name: "Get", State: wire.StateOpen}})
	s.push(BreakerUpdate{Key: k, Breaker: wire.Breaker{Name: "Put", State: wire.StateClosed}})
	got := drain(s)
	if len(got) != 3 {
		t.Fatalf("got %d messages: %+v", len(got), got)
	}
	if b := got[0].(BreakerUpdate); b.Breaker.State != wire.StateOpen {
		t.Errorf("latest breaker state must win in place: %+v", b)
	}
	if sb := got[1].(SpanBatch); len(sb.Spans) != 2 || sb.Spans[1].SpanID != "2" {
		t.Errorf("span batches must merge: %+v", sb)
	}
	// Once read, a new state is queued again.
	s.push(BreakerUpdate{Key: k, Breaker: wire.Breaker{Name: "Get", State: wire.StateHalfOpen}})
	if got := drain(s); len(got) != 1 {
		t.Fatalf("after read: %+v", got)
	}
}

func TestSubscriptionGoneClearsPending(t *testing.T) {
	s := newSub(100)
	k, other := Key{"book", "b1"}, Key{"book", "b2"}
	s.push(InstanceUpdate{Instance: Instance{Key: k}})
	s.push(BreakerUpdate{Key: k, Breaker: wire.Breaker{Name: "Get"}})
	s.push(InstanceUpdate{Instance: Instance{Key: other}})
	s.push(InstanceGone{Key: k})
	got := drain(s)
	if len(got) != 2 || got[0].About() != other || got[1] != (InstanceGone{Key: k}) {
		t.Fatalf("got %+v", got)
	}
}

func TestSubscriptionBoundedAndCountsDrops(t *testing.T) {
	s := newSub(4)
	for i := range 10 {
		// Different keys: nothing merges.
		s.push(SpanBatch{Key: Key{"svc", fmt.Sprint(i)}, Spans: []wire.Span{{SpanID: fmt.Sprint(i)}}})
	}
	s.push(InstanceUpdate{Instance: Instance{Key: Key{"svc", "x"}}}) // state: queued beside the full buffer
	got := drain(s)
	if d, ok := got[0].(Dropped); !ok || d.N != 6 {
		t.Fatalf("first message %+v, want Dropped{6}", got[0])
	}
	if len(got) != 6 || s.Dropped() != 6 {
		t.Fatalf("got %d messages, dropped %d", len(got), s.Dropped())
	}
	if _, ok := got[5].(InstanceUpdate); !ok {
		t.Fatalf("state update must survive a full queue: %+v", got)
	}
	// A batch of merged spans never exceeds maxBatch.
	for i := range 3 * maxBatch {
		s.push(SpanBatch{Key: Key{"svc", "a"}, Spans: []wire.Span{{SpanID: fmt.Sprint(i)}}})
	}
	for _, m := range drain(s) {
		if b, ok := m.(SpanBatch); ok && len(b.Spans) > maxBatch {
			t.Fatalf("batch of %d", len(b.Spans))
		}
	}
}

// TestSubscriptionHoldsAFleetsStateUnread: a reader that has not read
// while 1,000 instances changed twice finds the latest state of each, and
// nothing dropped; the queue holds one entry per instance and kind.
func TestSubscriptionHoldsAFleetsStateUnread(t *testing.T) {
	s := newSub(16)
	for round := range 2 {
		for i := range 1000 {
			k := Key{"svc", fmt.Sprint(i)}
			s.push(InstanceUpdate{Instance: Instance{Key: k, Err: fmt.Sprint(round)}})
			s.push(MetricsUpdate{Key: k, Err: fmt.Sprint(round)})
		}
	}
	if s.live != 2000 {
		t.Errorf("%d entries queued for 1,000 instances' state and metrics, want 2000", s.live)
	}
	got := drain(s)
	if len(got) != 2000 || s.Dropped() != 0 {
		t.Fatalf("read %d messages, %d dropped; want 2000, none", len(got), s.Dropped())
	}
	if u := got[0].(InstanceUpdate); u.Instance.Err != "1" {
		t.Errorf("first instance's state is from round %s, want the latest, 1", u.Instance.Err)
	}
}

func TestJoin(t *testing.T) {
	t0 := time.Unix(100, 0)
	sp := func(inst, trace, id, parent string, startMS, durMS int, status string) Span {
		return Span{Instance: Key{"svc", inst}, Span: wire.Span{TraceID: trace, SpanID: id, ParentSpanID: parent,
			Service: inst, Start: t0.Add(time.Duration(startMS) * time.Millisecond),
			DurationNS: int64(time.Duration(durMS) * time.Millisecond), Status: status}}
	}
	spans := []Span{
		sp("gw", "T", "a", "", 0, 100, "ok"),
		sp("b2", "T", "c", "a", 20, 10, "error"),
		sp("b1", "T", "b", "a", 10, 10, "ok"),
		sp("b1", "T", "b", "a", 10, 10, "ok"), // a duplicate
		sp("b1", "T", "d", "b", 12, 200, "ok"),
		sp("x", "U", "u1", "u2", 0, 1, "ok"), // a cycle
		sp("x", "U", "u2", "u1", 1, 1, "ok"),
		sp("x", "V", "self", "self", 5, 1, "ok"),
	}
	ts := Join(spans)
	if len(ts) != 3 || ts[0].ID != "V" {
		t.Fatalf("traces %+v", ts)
	}
	var tr *Trace
	for _, x := range ts {
		if x.ID == "T" {
			tr = x
		}
	}
	if tr.Spans != 4 || tr.Root.Span.SpanID != "a" || !tr.Error || tr.Duration != 212*time.Millisecond {
		t.Fatalf("trace T %+v", tr)
	}
	var walk []string
	tr.Walk(func(n *Node, depth int) bool {
		walk = append(walk, fmt.Sprint(depth, n.Span.SpanID))
		return true
	})
	if fmt.Sprint(walk) != "[0a 1b 2d 1c]" {
		t.Fatalf("walk %v", walk)
	}
	for _, x := range ts {
		n := 0
		x.Walk(func(*Node, int) bool { n++; return true })
		if n != x.Spans {
			t.Errorf("trace %s: walked %d of %d spans", x.ID, n, x.Spans)
		}
	}
}

func TestRingKeepsNewest(t *testing.T) {
	r := newRing(3)
	for i := range 5 {
		r.add(Key{}, []wire.Span{{SpanID: fmt.Sprint(i)}})
	}
	got := r.appendTo(nil, func(*Span) bool { return true })
	if r.len() != 3 || len(got) != 3 || got[0].SpanID != "2" || got[2].SpanID != "4" {
		t.Fatalf("ring %+v", got)
	}
}

func TestSubscriptionBoundsQueuedSpans(t *testing.T) {
	s := newSub(1 << 20)
	batch := make([]wire.Span, 100)
	for i := range 1000 { // 100 000 spans from alternating instances
		s.push(SpanBatch{Key: Key{"svc", fmt.Sprint(i % 2)}, Spans: batch})
	}
	if s.spans > maxQueuedSpans {
		t.Fatalf("%d spans queued", s.spans)
	}
	n := 0
	for _, m := range drain(s) {
		if b, ok := m.(SpanBatch); ok {
			n += len(b.Spans)
		}
	}
	if n > maxQueuedSpans || n < maxQueuedSpans-maxBatch || s.spans != 0 {
		t.Fatalf("read %d spans, %d counted after drain", n, s.spans)
	}
}
