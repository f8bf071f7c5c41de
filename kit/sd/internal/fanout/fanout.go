// Package fanout delivers an Instancer's events to its observers; the
// registry adapters (kit/sd/consul, kit/sd/etcd) share it.
package fanout

import (
	"sync"

	"github.com/kitbench/kitbench/kit/sd"
)

// Fanout delivers the latest sd.Event to every registered channel. Each
// observer has a goroutine that sends the newest state when the observer is
// ready, so a slow observer skips intermediate states instead of holding up
// the Instancer or other observers. Every observer receives the same
// Instances slice, which nobody modifies once published. The zero value is
// ready to use.
type Fanout struct {
	mu      sync.Mutex
	state   sd.Event
	have    bool
	seq     uint64
	subs    map[chan<- sd.Event]*sub
	stopped bool
}

type sub struct {
	ch   chan<- sd.Event
	wake chan struct{} // capacity 1: "there is something newer"
	quit chan struct{}
	done chan struct{}
}

// Publish makes ev the current state and wakes every observer.
func (f *Fanout) Publish(ev sd.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state, f.have = ev, true
	f.seq++
	for _, s := range f.subs {
		s.poke()
	}
}

func (s *sub) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Register adds ch as an observer; it receives the current state, if
// any, and every later one. Registering twice, or after Stop, does nothing.
func (f *Fanout) Register(ch chan<- sd.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped || f.subs[ch] != nil {
		return
	}
	if f.subs == nil {
		f.subs = make(map[chan<- sd.Event]*sub)
	}
	s := &sub{ch: ch, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	f.subs[ch] = s
	if f.have {
		s.poke()
	}
	go f.run(s)
}

func (f *Fanout) run(s *sub) {
	defer close(s.done)
	var sent uint64
	for {
		select {
		case <-s.wake:
		case <-s.quit:
			return
		}
		f.mu.Lock()
		ev, seq := f.state, f.seq
		f.mu.Unlock()
		if seq == sent {
			continue
		}
		select {
		case s.ch <- ev:
			sent = seq
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
