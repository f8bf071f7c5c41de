package hub

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// Stats are the hub's own counters.
type Stats struct {
	// Subscribers is the number of open subscriptions.
	Subscribers int
	// Dropped sums the messages open subscriptions discarded.
	Dropped uint64
	// SpansReceived counts spans the hub took in; SpansHeld is how many
	// the ring holds now; SpansLost counts spans the instances' own rings
	// overwrote before the hub could read them.
	SpansReceived, SpansLost uint64
	SpansHeld                int
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := Stats{Subscribers: len(h.subs), SpansReceived: h.received, SpansLost: h.lost, SpansHeld: h.spans.len()}
	for s := range h.subs {
		st.Dropped += s.Dropped()
	}
	return st
}

// InstanceState is one instance with its components, as of a Snapshot.
type InstanceState struct {
	Instance
	Breakers []wire.Breaker `json:"breakers"` // sorted by name
	Limiters []wire.Limiter `json:"limiters"` // sorted by name
	// Metrics is the latest derived scrape, nil before one.
	Metrics *MetricsUpdate `json:"metrics,omitempty"`
	// Controls are the controls in force, sorted by kind and target;
	// empty when there is none (or the instance predates controls).
	Controls []wire.Control `json:"controls,omitempty"`
}

// Snapshot is the whole fleet's state at one moment: what a one-shot
// command prints and what a view that attaches late starts from. It is
// the caller's; slices inside Instance values are shared and read-only.
type Snapshot struct {
	Source    SourceStatus    `json:"source"`
	Instances []InstanceState `json:"instances"` // sorted by service, then id
}

// Snapshot returns the current state of the fleet.
func (h *Hub) Snapshot() Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := Snapshot{Source: h.source, Instances: make([]InstanceState, 0, len(h.insts))}
	now := time.Now()
	for _, in := range h.insts {
		st := InstanceState{Instance: in.inst, Metrics: in.metrics,
			Breakers: slices.Collect(maps.Values(in.breakers)),
			Limiters: slices.Collect(maps.Values(in.limiters)),
		}
		if len(in.controls) > 0 {
			st.Controls = sortedControls(in.controls, now)
		}
		slices.SortFunc(st.Breakers, func(a, b wire.Breaker) int { return cmp.Compare(a.Name, b.Name) })
		slices.SortFunc(st.Limiters, func(a, b wire.Limiter) int { return cmp.Compare(a.Name, b.Name) })
		out.Instances = append(out.Instances, st)
	}
	slices.SortFunc(out.Instances, func(a, b InstanceState) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.InstanceID, b.InstanceID))
	})
	return out
}

// settledLocked reports whether the source has answered and every instance has
// been probed once (it is up, down, or has no admin listener) with its
// components read when it is up.
func (h *Hub) settledLocked() bool {
	if !h.source.Ready || (h.prom != nil && !h.prom.read) {
		return false
	}
	for _, in := range h.insts {
		if in.inst.State == StateStarting {
			return false
		}
	}
	return true
}

// WaitSettled waits until the source has answered and every instance has
// been probed once, or ctx ends (returning its error). One-shot commands
// call it before Snapshot.
func (h *Hub) WaitSettled(ctx context.Context) error {
	for {
		h.mu.Lock()
		ok, ch := h.settledLocked(), h.changed
		h.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Traces joins the spans the hub holds into traces, newest first, at most
// limit of them (zero or less: all).
func (h *Hub) Traces(limit int) []*Trace {
	h.mu.Lock()
	spans := h.spans.appendTo(make([]Span, 0, h.spans.len()), func(*Span) bool { return true })
	h.mu.Unlock()
	ts := Join(spans)
	if limit > 0 && len(ts) > limit {
		ts = ts[:limit]
	}
	return ts
}

// Trace returns the trace with the given id from the spans the hub holds.
func (h *Hub) Trace(id string) (*Trace, bool) {
	h.mu.Lock()
	spans := h.spans.appendTo(nil, func(s *Span) bool { return s.TraceID == id })
	h.mu.Unlock()
	if len(spans) == 0 {
		return nil, false
	}
	return Join(spans)[0], true
}
