package etcd

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
)

// recv takes the next event, failing if none is ready once every goroutine
// of the bubble is blocked.
func recv(t *testing.T, ch <-chan sd.Event) sd.Event {
	t.Helper()
	synctest.Wait()
	select {
	case ev := <-ch:
		return ev
	default:
		t.Fatal("no event")
		return sd.Event{}
	}
}

func none(t *testing.T, ch <-chan sd.Event) {
	t.Helper()
	synctest.Wait()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %v (err %v)", ids(ev), ev.Err)
	default:
	}
}

func send(w watchCall, r WatchResponse) { w.ch <- r }

func TestInstancerListThenWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{kv("book", "b", 2), kv("book", "a", 1)}, 10, nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		defer s.Stop()
		o := observe(s)
		first := o.fresh(t, "a", "b")
		if first.Delta || !slices.Equal(ids(first), []string{"a", "b"}) {
			t.Fatalf("first event %+v, want the whole list, sorted", first)
		}
		if w := f.watch(0); w.rev != 11 {
			t.Fatalf("watch from revision %d, want 11 (the list's + 1)", w.rev)
		}
		// Watch events arrive as deltas: only what changed.
		w := f.watch(0)
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "c", 3))}})
		isDelta(t, o.fresh(t, "a", "b", "c"), nil, []string{"c"})
		send(w, WatchResponse{Events: []WatchEvent{del("book", "a"), put(kv("book", "aa", 4))}})
		second := o.fresh(t, "aa", "b", "c")
		isDelta(t, second, []string{"a"}, []string{"aa"})
		// A changed value is its previous value removed and the new one
		// added; an identical one is no event.
		moved := kv("book", "b", 2)
		moved.Value = []byte(`{"id":"b","service":"book","address":"10.0.0.2:2","tags":["v2"]}`)
		send(w, WatchResponse{Events: []WatchEvent{put(moved)}})
		ev := o.fresh(t, "aa", "b", "c")
		isDelta(t, ev, []string{"b"}, []string{"b"})
		if ev.Removed[0].Address != "10.0.0.1:2" || ev.Instances[0].Address != "10.0.0.2:2" || ev.Instances[0].Tags[0] != "v2" || ev.Instances[0].Health != sd.HealthPassing {
			t.Fatalf("change of b: removed %+v, added %+v", ev.Removed[0], ev.Instances[0])
		}
		send(w, WatchResponse{Events: []WatchEvent{put(moved)}})
		none(t, o.ch)
		// Events in one response make one delta; a key added and deleted
		// within it, or a delete of an unknown key, is no change at all.
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "d", 5)), del("book", "d"), del("book", "zz"), del("book", "c"), put(kv("book", "e", 6))}})
		isDelta(t, o.fresh(t, "aa", "b", "e"), []string{"c"}, []string{"e"})
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "d", 5)), del("book", "d"), del("book", "zz")}})
		none(t, o.ch)
		// Published slices never change afterwards.
		if !slices.Equal(ids(first), []string{"a", "b"}) || !slices.Equal(ids(second), []string{"aa"}) || second.Removed[0].ID != "a" {
			t.Fatalf("an earlier event was modified: %+v, %+v", first, second)
		}
	})
}

func TestInstancerRegisterMidStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{kv("book", "a", 1), kv("book", "b", 2)}, 10, nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		defer s.Stop()
		early := observe(s)
		early.fresh(t, "a", "b")
		send(f.watch(0), WatchResponse{Events: []WatchEvent{put(kv("book", "c", 3)), del("book", "a")}})
		early.fresh(t, "b", "c")
		// A later observer starts from the whole current set, sorted, not
		// from the list nor a delta.
		late := observe(s)
		ev := late.fresh(t, "b", "c")
		if ev.Delta || !slices.Equal(ids(ev), []string{"b", "c"}) {
			t.Fatalf("late observer's first event %+v, want the whole current set", ev)
		}
		send(f.watch(0), WatchResponse{Events: []WatchEvent{put(kv("book", "d", 4))}})
		isDelta(t, early.fresh(t, "b", "c", "d"), nil, []string{"d"})
		isDelta(t, late.fresh(t, "b", "c", "d"), nil, []string{"d"})
	})
}

func TestInstancerCompaction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{}) // holds the second list until the error event is read
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			switch n {
			case 0:
				return []KeyValue{kv("book", "a", 1)}, 10, nil
			case 1:
				<-gate
			}
			return []KeyValue{kv("book", "a", 1), kv("book", "b", 2)}, 40, nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		defer s.Stop()
		o := observe(s)
		o.fresh(t, "a")
		start := time.Now()
		send(f.watch(0), WatchResponse{CompactRevision: 30})
		// The error event first, keeping the last instances, then the new
		// list as a whole set.
		isDelta(t, o.staleWith(t, ErrCompacted, "a"), nil, nil)
		close(gate)
		if ev := o.fresh(t, "a", "b"); ev.Delta || !slices.Equal(ids(ev), []string{"a", "b"}) {
			t.Fatalf("re-list as %+v, want a whole set", ev)
		}
		if w := f.watch(1); w.rev != 41 {
			t.Fatalf("re-watch from %d, want 41", w.rev)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("re-listed after %v; a compaction is no outage", waited)
		}
		if f.watch(0).ctx.Err() == nil {
			t.Fatal("the compacted watch was not cancelled")
		}
		// The new watch sends deltas again.
		send(f.watch(1), WatchResponse{Events: []WatchEvent{put(kv("book", "c", 3))}})
		isDelta(t, o.fresh(t, "a", "b", "c"), nil, []string{"c"})
		// A second compaction straight away is met with backoff, not a
		// spin; the re-list that ends it is whole even though it equals
		// the set, because it clears Stale.
		start = time.Now()
		send(f.watch(1), WatchResponse{CompactRevision: 45})
		o.staleWith(t, ErrCompacted, "a", "b", "c")
		none(t, o.ch)
		time.Sleep(time.Second)
		if ev := o.fresh(t, "a", "b"); ev.Delta {
			t.Fatalf("re-list as %+v, want a whole set", ev)
		}
		if waited := time.Since(start); waited < 500*time.Millisecond || waited > time.Second {
			t.Fatalf("second compaction re-listed after %v, want a jittered 0.5-1s backoff", waited)
		}
	})
}

func TestInstancerOutageKeepsInstancesStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			switch {
			case n == 0:
				return []KeyValue{kv("book", "a", 1)}, 10, nil
			case n < 6:
				<-ctx.Done() // a list that hangs until its timeout
				return nil, 0, ctx.Err()
			}
			return []KeyValue{kv("book", "a", 1)}, 20, nil
		}}
		f.ping = func(ctx context.Context) error {
			if lists, _, _ := f.counts(); lists < 6 { // down until the list that answers
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}
		opts := InstancerOptions{ProbeEvery: time.Second, Timeout: 2 * time.Second, BackoffMin: time.Second, BackoffMax: 4 * time.Second}
		s := NewInstancer(f, "book", opts)
		defer s.Stop()
		o := observe(s)
		o.fresh(t, "a")
		// The watch falls silent; the probe notices within ProbeEvery + Timeout.
		time.Sleep(3 * time.Second)
		o.staleWith(t, ErrUnreachable, "a")
		if f.watch(0).ctx.Err() == nil {
			t.Fatal("the silent watch was not cancelled")
		}
		// Lists fail (timeouts) with growing, jittered backoff; every
		// failure is published, keeping the same instances, until one
		// answers.
		var seen int
		for range 60 {
			time.Sleep(time.Second)
			synctest.Wait()
			if len(o.ch) == 0 {
				continue
			}
			if seen++; seen < 6 {
				o.staleWith(t, context.DeadlineExceeded, "a")
			} else {
				o.fresh(t, "a")
			}
		}
		if seen != 6 {
			t.Fatalf("%d events during and after the outage, want 5 failures and a recovery", seen)
		}
		at := f.listTimes()
		// Gaps between failed lists: timeout (2s) + backoff in [d/2, d],
		// d = 2s (the second failure in a row), 4s, then capped at 4s.
		for i, d := range []time.Duration{2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second} {
			gap := at[i+2].Sub(at[i+1]) - opts.Timeout
			if gap < d/2 || gap > d {
				t.Errorf("backoff %d = %v, want %v..%v", i+1, gap, d/2, d)
			}
		}
	})
}

func TestInstancerWatchEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{kv("book", "a", 1)}, int64(10 + n), nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		defer s.Stop()
		o := observe(s)
		o.fresh(t, "a")
		close(f.watch(0).ch)
		o.staleWith(t, ErrWatchEnded, "a")
		time.Sleep(time.Second)
		o.fresh(t, "a")
		errLeader := errors.New("etcdserver: no leader")
		send(f.watch(1), WatchResponse{Err: errLeader})
		o.staleWith(t, errLeader, "a")
		time.Sleep(time.Second)
		o.fresh(t, "a")
		if w := f.watch(2); w.rev != 13 {
			t.Fatalf("third watch from %d, want 13", w.rev)
		}
	})
}

func TestInstancerFirstListFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			if n == 0 {
				return nil, 0, errDown
			}
			return nil, 5, nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		defer s.Stop()
		o := observe(s)
		if ev := o.staleWith(t, errDown); ev.Delta || len(ev.Instances) != 0 {
			t.Fatalf("first event %+v, want a whole, empty set", ev)
		}
		time.Sleep(time.Second)
		o.fresh(t) // an empty set, known now
	})
}

func TestInstancerIgnoresBadValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sick := kv("book", "sick", 9)
		sick.Value = []byte(`{"id":"sick","service":"book","address":"10.0.0.1:9","health":"critical"}`)
		odd := kv("book", "odd", 8)
		odd.Value = []byte(`{"address":"10.0.0.1:8","health":"maintenance"}`)
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{
				kv("book", "a", 1),
				{Key: DefaultPrefix + "book/notjson", Value: []byte("{")},
				{Key: DefaultPrefix + "book/impostor", Value: []byte(`{"id":"a","service":"book","address":"10.6.6.6:1"}`)},
				{Key: DefaultPrefix + "book/noaddr", Value: []byte(`{"id":"noaddr"}`)},
				{Key: DefaultPrefix + "book/x/y", Value: kv("book", "a", 1).Value},
				sick, odd,
			}, 10, nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		defer s.Stop()
		o := observe(s)
		o.fresh(t, "a")
		// A valid instance overwritten by a bad value leaves the set.
		send(f.watch(0), WatchResponse{Events: []WatchEvent{{Key: DefaultPrefix + "book/a", Value: []byte("nope")}}})
		isDelta(t, o.fresh(t), []string{"a"}, nil)

		all := NewInstancer(f, "book", InstancerOptions{IncludeUnhealthy: true})
		defer all.Stop()
		o2 := observe(all)
		ev := o2.fresh(t, "a", "odd", "sick")
		if ev.Instances[1].Health != sd.HealthCritical || ev.Instances[2].Health != sd.HealthCritical {
			t.Fatalf("health of odd and sick: %q %q, want critical", ev.Instances[1].Health, ev.Instances[2].Health)
		}
	})
}

func TestInstancerEveryService(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{kv("gateway", "g1", 1), kv("book", "b2", 2), kv("book", "b1", 3), kv("gateway", "b1", 4)}, 10, nil
		}}
		s := NewInstancer(f, "", InstancerOptions{})
		defer s.Stop()
		o := observe(s)
		o.fresh(t, "b1", "b2", "b1", "g1")
		// Instances are told apart by service and ID: book's b1 leaving
		// leaves gateway's.
		send(f.watch(0), WatchResponse{Events: []WatchEvent{put(kv("audit", "z", 4)), del("book", "b1")}})
		ev := o.fresh(t, "z", "b2", "b1", "g1")
		if !ev.Delta || ev.Instances[0].Service != "audit" || ev.Removed[0].Service != "book" || o.set[1].Service != "gateway" {
			t.Fatalf("delta %+v leaves %+v", ev, o.set)
		}
	})
}

func TestInstancerObservers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{kv("book", "a", 1)}, 10, nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		slow := &observer{ch: make(chan sd.Event)} // unbuffered, not read until later
		s.Register(slow.ch)
		fast := observe(s)
		fast.fresh(t, "a")
		w := f.watch(0)
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "b", 2))}})
		fast.fresh(t, "a", "b")
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "c", 3)), del("book", "a")}})
		fast.fresh(t, "b", "c")
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "d", 4)), del("book", "c")}})
		fast.fresh(t, "b", "d")
		// The slow observer is not a backlog: it gets the state it blocked
		// on, then one event that brings it to the current set.
		slow.fresh(t, "a")
		ev := slow.fresh(t, "b", "d")
		isDelta(t, ev, []string{"a"}, []string{"b", "d"})
		none(t, slow.ch)
		s.Deregister(fast.ch)
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "e", 5))}})
		synctest.Wait()
		if len(fast.ch) != 0 {
			t.Fatal("event after Deregister")
		}
		s.Stop()
		s.Stop()
		s.Register(make(chan sd.Event, 1)) // after Stop: ignored, starts nothing
	})
}
