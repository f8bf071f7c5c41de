package tracing

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/introspect"
)

// emit finishes n spans named "s<i>" on tp, i counting from first.
func emit(tp trace.TracerProvider, first, n int) {
	tr := tp.Tracer("test")
	for i := first; i < first+n; i++ {
		_, s := tr.Start(context.Background(), fmt.Sprintf("s%d", i))
		s.End()
	}
}

func names(spans []introspect.Span) string {
	var b []string
	for _, s := range spans {
		b = append(b, fmt.Sprintf("%d:%s", s.Cursor, s.Name))
	}
	return strings.Join(b, " ")
}

func TestRingPaging(t *testing.T) {
	ring := NewRing(4, nil)
	tp, err := NewProvider("svc", ring)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tp.Shutdown(context.Background()) }()

	if spans, next, dropped := ring.Spans(0, 10); len(spans) != 0 || next != 0 || dropped != 0 {
		t.Fatalf("empty ring: %v %d %d", spans, next, dropped)
	}
	emit(tp, 1, 3)
	steps := []struct {
		after       uint64
		limit       int
		want        string
		next, dropd uint64
	}{
		{0, 2, "1:s1 2:s2", 2, 0},
		{2, 2, "3:s3", 3, 0},
		{3, 2, "", 3, 0},
	}
	for _, st := range steps {
		spans, next, dropped := ring.Spans(st.after, st.limit)
		if got := names(spans); got != st.want || next != st.next || dropped != st.dropd {
			t.Errorf("Spans(%d, %d) = %q, %d, %d; want %q, %d, %d", st.after, st.limit, got, next, dropped, st.want, st.next, st.dropd)
		}
	}
	// Overflow: 7 more spans into a ring of 4 keeps cursors 7..10.
	emit(tp, 4, 7)
	steps = []struct {
		after       uint64
		limit       int
		want        string
		next, dropd uint64
	}{
		{3, 10, "7:s7 8:s8 9:s9 10:s10", 10, 3}, // 4, 5, 6 were overwritten
		{0, 0, "7:s7 8:s8 9:s9 10:s10", 10, 6},
		{7, 1, "8:s8", 8, 0},
		{10, 5, "", 10, 0},
		{99, 2, "7:s7 8:s8", 8, 0}, // a cursor from the future starts over
	}
	for _, st := range steps {
		spans, next, dropped := ring.Spans(st.after, st.limit)
		if got := names(spans); got != st.want || next != st.next || dropped != st.dropd {
			t.Errorf("Spans(%d, %d) = %q, %d, %d; want %q, %d, %d", st.after, st.limit, got, next, dropped, st.want, st.next, st.dropd)
		}
	}
}

func TestRingDefaultCapacity(t *testing.T) {
	if got := len(NewRing(0, nil).slots); got != DefaultRingCapacity {
		t.Fatalf("capacity %d, want %d", got, DefaultRingCapacity)
	}
}

// TestRingBounds feeds a span with hostile sizes and checks that what the
// ring keeps stays within its bounds and is valid UTF-8.
func TestRingBounds(t *testing.T) {
	tp, ring := newProvider(t)
	huge := strings.Repeat("é", 10_000) // 2 bytes per rune: cuts must respect runes
	attrs := make([]attribute.KeyValue, 0, 200)
	for i := range 200 {
		attrs = append(attrs, attribute.String(fmt.Sprintf("k%d-%s", i, huge), huge))
	}
	attrs = append(attrs, attribute.StringSlice("slice", []string{huge, huge}))
	ctx, span := tp.Tracer("t").Start(context.Background(), "name-"+huge, trace.WithAttributes(attrs...))
	for range 100 {
		AddEvent(ctx, "event-"+huge, attrs...)
	}
	span.SetStatus(2, huge) // codes.Error
	span.End()

	s := allSpans(ring)[0]
	check := func(what, v string, limit int) {
		if len(v) > limit || !utf8.ValidString(v) {
			t.Errorf("%s: %d bytes (limit %d), valid UTF-8 %v", what, len(v), limit, utf8.ValidString(v))
		}
	}
	checkMap := func(what string, m map[string]string) {
		if len(m) > maxAttributes {
			t.Errorf("%s: %d attributes, limit %d", what, len(m), maxAttributes)
		}
		for k, v := range m {
			check(what+" key", k, maxKeyLen)
			check(what+" value", v, maxValueLen)
		}
	}
	check("name", s.Name, maxValueLen)
	check("status", s.StatusMsg, maxValueLen)
	checkMap("span", s.Attributes)
	if len(s.Events) > maxEvents || len(s.Events) == 0 {
		t.Errorf("%d events, limit %d", len(s.Events), maxEvents)
	}
	for _, e := range s.Events {
		check("event name", e.Name, maxValueLen)
		checkMap("event", e.Attributes)
	}
}

// TestRingConcurrent runs many writers and readers at once (meant for
// -race) and checks that every reader sees strictly increasing cursors.
func TestRingConcurrent(t *testing.T) {
	reg := introspect.NewRegistry(introspect.Info{Service: "svc"})
	events, cancel := reg.Subscribe(8) // a slow reader: Publish must not block
	defer cancel()
	ring := NewRing(16, reg)
	tp, err := NewProvider("svc", ring)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tp.Shutdown(context.Background()) }()

	const writers, perWriter, readers = 8, 200, 4
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() { emit(tp, w*perWriter, perWriter) })
	}
	done := make(chan struct{})
	var rwg sync.WaitGroup
	for range readers {
		rwg.Go(func() {
			var after uint64
			for {
				select {
				case <-done:
					return
				default:
				}
				spans, next, _ := ring.Spans(after, 5)
				for _, s := range spans {
					if s.Cursor <= after {
						t.Errorf("cursor %d after %d", s.Cursor, after)
						return
					}
					after = s.Cursor
				}
				if next != after {
					t.Errorf("next %d, last cursor %d", next, after)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	rwg.Wait()

	spans, next, dropped := ring.Spans(0, 100)
	if len(spans) != 16 || next != writers*perWriter || dropped != writers*perWriter-16 {
		t.Fatalf("final page: %d spans, next %d, dropped %d", len(spans), next, dropped)
	}
	if got := reg.Spans(0, 1).Spans; len(got) != 1 {
		t.Fatalf("ring is not the registry's span source: %v", got)
	}
	if n := len(events); n != 8 {
		t.Errorf("subscriber got %d buffered events, want 8", n)
	}
	if e := <-events; e.Type != introspect.EventSpan || e.Span == nil || e.Span.Cursor == 0 {
		t.Errorf("event = %+v", e)
	}
	if reg.Dropped() != writers*perWriter-8 {
		t.Errorf("registry dropped %d events, want %d", reg.Dropped(), writers*perWriter-8)
	}
}
