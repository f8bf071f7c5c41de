package etcd

import (
	"errors"
	"slices"
	"testing"

	"github.com/kitbench/kitbench/kit/sd"
)

// observer follows an Instancer as the sd.Event contract asks: it applies
// every event to the set it holds, and checks that the first is whole.
type observer struct {
	ch  chan sd.Event
	set []sd.Instance
	n   int
}

func observe(s sd.Instancer) *observer {
	o := &observer{ch: make(chan sd.Event, 1)}
	s.Register(o.ch)
	return o
}

// next receives and applies the next event, and returns it.
func (o *observer) next(t *testing.T) sd.Event {
	t.Helper()
	ev := recv(t, o.ch)
	if o.n == 0 && ev.Delta {
		t.Fatalf("first event is a delta %+v; the contract says a whole set", ev)
	}
	o.n++
	o.set = ev.Apply(o.set)
	return ev
}

// ids returns the IDs of the observer's set, sorted by service, then ID.
func (o *observer) ids() []string {
	set := slices.Clone(o.set)
	sortInstances(set)
	return ids(sd.Event{Instances: set})
}

// fresh takes the next event and checks that it is fresh and leaves the
// observer with want.
func (o *observer) fresh(t *testing.T, want ...string) sd.Event {
	t.Helper()
	ev := o.next(t)
	if ev.Err != nil || ev.Stale || !slices.Equal(o.ids(), want) {
		t.Fatalf("after %+v: set %v (stale %v, err %v), want fresh %v", ev, o.ids(), ev.Stale, ev.Err, want)
	}
	return ev
}

// staleWith takes the next event and checks that it is stale with target
// and leaves the observer with want.
func (o *observer) staleWith(t *testing.T, target error, want ...string) sd.Event {
	t.Helper()
	ev := o.next(t)
	if !ev.Stale || !errors.Is(ev.Err, target) || !slices.Equal(o.ids(), want) {
		t.Fatalf("after %+v: set %v (stale %v, err %v), want stale %v with %v", ev, o.ids(), ev.Stale, ev.Err, want, target)
	}
	return ev
}

// isDelta checks ev's kind and, for a delta, the IDs it removes and adds.
func isDelta(t *testing.T, ev sd.Event, removed, added []string) {
	t.Helper()
	if !ev.Delta || !slices.Equal(ids(sd.Event{Instances: ev.Removed}), removed) || !slices.Equal(ids(ev), added) {
		t.Fatalf("event %+v, want a delta removing %v and adding %v", ev, removed, added)
	}
}
