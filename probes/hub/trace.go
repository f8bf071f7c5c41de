package hub

import (
	"cmp"
	"slices"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// Span is a finished span and the instance it came from.
type Span struct {
	Instance Key `json:"instance"`
	wire.Span
}

// Node is one span in a trace tree, with its children ordered by start
// time.
type Node struct {
	Span     Span
	Children []*Node
}

// Trace is the spans of one trace id, from every instance, joined into a
// tree by parent span id: a call through a gateway to several instances is
// one Trace.
type Trace struct {
	ID string
	// Root is the earliest of Roots.
	Root *Node
	// Roots are the spans whose parent is not among the trace's spans:
	// the true root, plus the tops of any part whose parent span was not
	// seen (still running, evicted, or from an unobserved service).
	// Sorted by start time.
	Roots []*Node
	// Spans counts the trace's distinct spans.
	Spans int
	// Start is the earliest span start; Duration runs from it to the
	// latest span end.
	Start    time.Time
	Duration time.Duration
	// Error is true when any span has status "error".
	Error bool
	// Services are the distinct services of the spans, sorted.
	Services []string
}

// Walk calls fn for every node depth first, roots in order, children in
// start order, with the node's depth (0 for roots), until fn returns
// false. Each node is visited once, even if hostile parent ids form a
// cycle.
func (t *Trace) Walk(fn func(n *Node, depth int) bool) {
	seen := make(map[*Node]bool, t.Spans)
	type item struct {
		n     *Node
		depth int
	}
	stack := make([]item, 0, len(t.Roots))
	for i := len(t.Roots) - 1; i >= 0; i-- {
		stack = append(stack, item{t.Roots[i], 0})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[it.n] {
			continue
		}
		seen[it.n] = true
		if !fn(it.n, it.depth) {
			return
		}
		for i := len(it.n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{it.n.Children[i], it.depth + 1})
		}
	}
}

// Join groups spans by trace id and builds each trace's tree. A span seen
// twice (same trace and span id) counts once. Traces are returned newest
// first (by start). Join reads spans only; the Nodes are new.
func Join(spans []Span) []*Trace {
	byTrace := make(map[string][]*Node)
	seen := make(map[[2]string]bool, len(spans))
	for _, s := range spans {
		k := [2]string{s.TraceID, s.SpanID}
		if s.TraceID == "" || seen[k] {
			continue
		}
		seen[k] = true
		byTrace[s.TraceID] = append(byTrace[s.TraceID], &Node{Span: s})
	}
	out := make([]*Trace, 0, len(byTrace))
	for id, nodes := range byTrace {
		out = append(out, build(id, nodes))
	}
	slices.SortFunc(out, func(a, b *Trace) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

func build(id string, nodes []*Node) *Trace {
	slices.SortFunc(nodes, func(a, b *Node) int {
		if c := a.Span.Start.Compare(b.Span.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.Span.SpanID, b.Span.SpanID)
	})
	byID := make(map[string]*Node, len(nodes))
	for _, n := range nodes {
		if _, dup := byID[n.Span.SpanID]; !dup {
			byID[n.Span.SpanID] = n
		}
	}
	t := &Trace{ID: id, Spans: len(nodes)}
	var end time.Time
	services := make(map[string]bool)
	for _, n := range nodes {
		p, ok := byID[n.Span.ParentSpanID]
		if n.Span.ParentSpanID != "" && ok && p != n {
			p.Children = append(p.Children, n) // nodes are in start order
		} else {
			t.Roots = append(t.Roots, n)
		}
		if t.Start.IsZero() || n.Span.Start.Before(t.Start) {
			t.Start = n.Span.Start
		}
		if e := n.Span.Start.Add(time.Duration(n.Span.DurationNS)); e.After(end) {
			end = e
		}
		t.Error = t.Error || n.Span.Status == "error"
		services[n.Span.Service] = true
	}
	// Spans whose parent links form a cycle are reachable from no root;
	// the earliest of each such group becomes a root so none is lost.
	reached := 0
	t.Walk(func(*Node, int) bool { reached++; return true })
	if reached < len(nodes) {
		inTree := make(map[*Node]bool, len(nodes))
		t.Walk(func(n *Node, _ int) bool { inTree[n] = true; return true })
		for _, n := range nodes {
			if !inTree[n] {
				t.Roots = append(t.Roots, n)
				t.Walk(func(n *Node, _ int) bool { inTree[n] = true; return true })
			}
		}
	}
	if len(t.Roots) > 0 {
		t.Root = t.Roots[0]
	}
	if end.After(t.Start) {
		t.Duration = end.Sub(t.Start)
	}
	for s := range services {
		t.Services = append(t.Services, s)
	}
	slices.Sort(t.Services)
	return t
}

// ring keeps the newest spans of the whole fleet, and aside from them the
// spans of pinned traces that it overwrote (see Hub.Pin).
type ring struct {
	slots []Span
	next  int // where the next span goes
	full  bool
	pins  pins
}

func newRing(n int) *ring { return &ring{slots: make([]Span, n), pins: newPins(n)} }

func (r *ring) add(k Key, spans []wire.Span) {
	for _, s := range spans {
		if r.full {
			r.pins.evicted(&r.slots[r.next])
		}
		r.slots[r.next] = Span{Instance: k, Span: s}
		r.next++
		if r.next == len(r.slots) {
			r.next, r.full = 0, true
		}
	}
}

func (r *ring) len() int {
	if r.full {
		return len(r.slots)
	}
	return r.next
}

// appendTo appends the held spans that satisfy keep: the kept spans of
// pinned traces (older than any in the ring), then the ring's, oldest
// first.
func (r *ring) appendTo(out []Span, keep func(*Span) bool) []Span {
	out = r.pins.appendTo(out, keep)
	if r.full {
		for i := r.next; i < len(r.slots); i++ {
			if keep(&r.slots[i]) {
				out = append(out, r.slots[i])
			}
		}
	}
	for i := 0; i < r.next; i++ {
		if keep(&r.slots[i]) {
			out = append(out, r.slots[i])
		}
	}
	return out
}
