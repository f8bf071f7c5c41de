package discovery

import (
	"context"
	"testing"

	"github.com/kitbench/kitbench/kit/sd"
)

// eagerInstancer answers its first Register at once, and returns only once
// the watch has handled that event: the order in which a fast registry and
// a busy machine can run things.
type eagerInstancer struct {
	w   *Watcher
	set []sd.Instance
}

func (e *eagerInstancer) Register(ch chan<- sd.Event) {
	seq := e.w.Snapshot().Seq
	ch <- sd.Event{Instances: e.set}
	for e.w.Snapshot().Seq == seq { // the watch's update is published
		<-e.w.Updates()
	}
}

func (e *eagerInstancer) Deregister(chan<- sd.Event) {}
func (e *eagerInstancer) Stop()                      {}

// A service whose instances are known before the catalog's own update
// lands must still come out known: List used to wait for its next change
// (a 30 s blocking query) and time out.
func TestCatalogKeepsAnInstancersFirstEvent(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := &Watcher{updates: make(chan Snapshot, 1), cancel: cancel, closeFn: func() {}}
	c := &catalogWatch{w: w, services: map[string]*serviceWatch{}}
	c.newInstancer = func(string) instancer {
		return &eagerInstancer{w: w, set: []sd.Instance{{ID: "book-1", Address: "127.0.0.1:1"}}}
	}
	defer c.stopAll()
	c.sync(ctx, map[string][]string{"bookstore": nil})
	s := w.Snapshot()
	got, ok := s.Service("bookstore")
	if !ok || !got.Known || len(got.Instances) != 1 || !s.Ready {
		t.Fatalf("after sync: service %+v (listed %v), ready %v", got, ok, s.Ready)
	}
}
