// Package fanout delivers an Instancer's events to its observers and keeps
// the Instancer's current set of instances; the registry adapters
// (kit/sd/consul, kit/sd/etcd) share it.
//
// It honours the sd.Event contract for them: every observer's first event
// is a whole set, and a slow observer is sent, when it is ready, one event
// that brings it from what it last received to the current set — the
// deltas published meanwhile merged into one, or the whole set when one
// was published among them — so it skips intermediate states without
// losing a change.
package fanout

import (
	"sync"

	"github.com/kitbench/kitbench/kit/sd"
)

// Fanout delivers events to every registered channel. Each observer has a
// goroutine that sends when the observer is ready, so a slow observer
// never holds up the Instancer or other observers. Every observer receives
// the same slices, which nobody modifies once published. The zero value is
// ready to use and holds no instances.
type Fanout struct {
	mu      sync.Mutex
	set     map[key]sd.Instance // the current set; nil until needed (see index)
	whole   []sd.Instance       // the current set as sent whole, while wholeOK
	wholeOK bool
	err     error
	stale   bool
	have    bool    // something was published
	staged  changes // Put and Delete since the last Commit
	subs    map[chan<- sd.Event]*sub
	stopped bool
}

type sub struct {
	ch   chan<- sd.Event
	wake chan struct{} // capacity 1: "there is something newer"
	quit chan struct{}
	done chan struct{}

	// Guarded by Fanout.mu: what the next event to ch holds.
	dirty  bool     // there is something to send
	whole  bool     // the whole set: ch's first event, or one was published
	next   sd.Event // the one delta published since the last send
	merged *changes // or the deltas published since then, merged
}

// Publish makes ev the current state and wakes every observer. A whole set
// replaces the current set and discards staged changes; a delta is applied
// to it. Err and Stale of the next event each observer gets are ev's.
func (f *Fanout) Publish(ev sd.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.have, f.err, f.stale = true, ev.Err, ev.Stale
	if !ev.Delta {
		f.set, f.whole, f.wholeOK = nil, ev.Instances, true
		f.staged = changes{}
		for _, s := range f.subs {
			s.dirty, s.whole, s.next, s.merged = true, true, sd.Event{}, nil
			s.poke()
		}
		return
	}
	f.publishDelta(ev.Removed, ev.Instances)
}

func (f *Fanout) publishDelta(removed, added []sd.Instance) {
	if len(removed)+len(added) > 0 {
		set := f.index()
		for _, in := range removed {
			delete(set, keyOf(in))
		}
		for _, in := range added {
			set[keyOf(in)] = in
		}
		f.whole, f.wholeOK = nil, false
	}
	for _, s := range f.subs {
		s.add(removed, added)
		s.poke()
	}
}

// add folds a published delta into what s sends next.
func (s *sub) add(removed, added []sd.Instance) {
	switch {
	case s.whole || len(removed)+len(added) == 0:
	case !s.dirty:
		s.next = sd.Event{Removed: removed, Instances: added}
	default:
		if s.merged == nil {
			s.merged = &changes{}
			s.merged.apply(s.next.Removed, s.next.Instances)
			s.next = sd.Event{}
		}
		s.merged.apply(removed, added)
	}
	s.dirty = true
}

func (s *sub) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// take returns the event s is due, if any, and marks it sent. f.mu is held.
func (f *Fanout) take(s *sub) (sd.Event, bool) {
	if !s.dirty {
		return sd.Event{}, false
	}
	ev := sd.Event{Err: f.err, Stale: f.stale}
	switch {
	case s.whole:
		ev.Instances = f.snapshot()
	case s.merged != nil:
		ev.Delta = true
		ev.Removed, ev.Instances = s.merged.lists()
	default:
		ev.Delta = true
		ev.Removed, ev.Instances = s.next.Removed, s.next.Instances
	}
	s.dirty, s.whole, s.next, s.merged = false, false, sd.Event{}, nil
	return ev, true
}

// index returns the current set as a map, building it from the last whole
// set the first time it is needed. f.mu is held.
func (f *Fanout) index() map[key]sd.Instance {
	if f.set == nil {
		f.set = make(map[key]sd.Instance, len(f.whole))
		for _, in := range f.whole {
			f.set[keyOf(in)] = in
		}
	}
	return f.set
}

// snapshot returns the current set as one slice, sorted by service and ID
// when it has to be rebuilt from the map, and shared by every whole event
// until it changes. f.mu is held.
func (f *Fanout) snapshot() []sd.Instance {
	if !f.wholeOK {
		set := f.index()
		out := make([]sd.Instance, 0, len(set))
		for _, in := range set {
			out = append(out, in)
		}
		sortInstances(out)
		f.whole, f.wholeOK = out, true
	}
	return f.whole
}

// Register adds ch as an observer; its first event is the whole current
// set, sent at once if anything was published, and every change follows.
// Registering twice, or after Stop, does nothing.
func (f *Fanout) Register(ch chan<- sd.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped || f.subs[ch] != nil {
		return
	}
	if f.subs == nil {
		f.subs = make(map[chan<- sd.Event]*sub)
	}
	s := &sub{ch: ch, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		dirty: f.have, whole: true}
	f.subs[ch] = s
	if f.have {
		s.poke()
	}
	go f.run(s)
}

func (f *Fanout) run(s *sub) {
	defer close(s.done)
	for {
		select {
		case <-s.wake:
		case <-s.quit:
			return
		}
		f.mu.Lock()
		ev, ok := f.take(s)
		f.mu.Unlock()
		if !ok {
			continue
		}
		select {
		case s.ch <- ev:
		case <-s.quit:
			return
		}
	}
}

// Deregister removes ch and waits until nothing more is sent on it.
func (f *Fanout) Deregister(ch chan<- sd.Event) {
	f.mu.Lock()
	s := f.subs[ch]
	delete(f.subs, ch)
	f.mu.Unlock()
	if s != nil {
		close(s.quit)
		<-s.done
	}
}

// Stop removes every observer; later registrations are ignored.
func (f *Fanout) Stop() {
	f.mu.Lock()
	f.stopped = true
	subs := f.subs
	f.subs = nil
	f.mu.Unlock()
	for _, s := range subs {
		close(s.quit)
		<-s.done
	}
}
