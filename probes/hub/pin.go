package hub

import "slices"

// PinLimit is how many traces can be pinned at once; Pin ignores ids past
// it.
const PinLimit = 16

// Pin replaces the set of pinned traces with ids: from now on, spans of
// these traces that the span ring overwrites are kept aside, so Trace and
// Traces still return them whole however much traffic follows (Traces'
// limit still counts the newest traces first). Pin with no
// ids unpins everything. A trace no longer named loses its kept spans at
// once (its spans still in the ring stay until they are overwritten).
//
// The traces view pins the trace under its cursor and the one it has open:
// a trace someone is reading does not vanish from under them. Memory stays
// bounded: at most PinLimit traces, and at most SpanRing kept spans for all
// of them together (a pinned trace with more spans than that loses its
// oldest overflow, as an unpinned one would). Ids are matched exactly, as
// Trace matches them; empty ids are ignored.
func (h *Hub) Pin(ids ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.spans.pins.set(ids)
}

// Pinned returns the pinned trace ids, sorted.
func (h *Hub) Pinned() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.spans.pins.ids))
	for id := range h.spans.pins.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// pins are the pinned trace ids and the spans of theirs that the ring
// overwrote.
type pins struct {
	ids  map[string]bool
	kept map[string][]Span
	n    int // spans in kept
	max  int // bound on n
}

func newPins(max int) pins {
	return pins{ids: map[string]bool{}, kept: map[string][]Span{}, max: max}
}

func (p *pins) set(ids []string) {
	next := make(map[string]bool, min(len(ids), PinLimit))
	for _, id := range ids {
		if id != "" && len(next) < PinLimit {
			next[id] = true
		}
	}
	for id, spans := range p.kept {
		if !next[id] {
			p.n -= len(spans)
			delete(p.kept, id)
		}
	}
	p.ids = next
}

// evicted is told of every span the ring overwrites, and keeps those of
// pinned traces while there is room.
func (p *pins) evicted(s *Span) {
	if len(p.ids) == 0 || !p.ids[s.TraceID] || p.n >= p.max {
		return
	}
	p.kept[s.TraceID] = append(p.kept[s.TraceID], *s)
	p.n++
}

// appendTo appends the kept spans that satisfy keep.
func (p *pins) appendTo(out []Span, keep func(*Span) bool) []Span {
	for _, spans := range p.kept {
		for i := range spans {
			if keep(&spans[i]) {
				out = append(out, spans[i])
			}
		}
	}
	return out
}
