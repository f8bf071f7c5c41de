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

func fresh(t *testing.T, ev sd.Event, want ...string) {
	t.Helper()
	if ev.Err != nil || ev.Stale || !slices.Equal(ids(ev), want) {
		t.Fatalf("event %v (stale %v, err %v), want fresh %v", ids(ev), ev.Stale, ev.Err, want)
	}
}

func staleWith(t *testing.T, ev sd.Event, target error, want ...string) {
	t.Helper()
	if !ev.Stale || !errors.Is(ev.Err, target) || !slices.Equal(ids(ev), want) {
		t.Fatalf("event %v (stale %v, err %v), want stale %v with %v", ids(ev), ev.Stale, ev.Err, want, target)
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
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		first := recv(t, ch)
		fresh(t, first, "a", "b")
		if w := f.watch(0); w.rev != 11 {
			t.Fatalf("watch from revision %d, want 11 (the list's + 1)", w.rev)
		}
		w := f.watch(0)
		send(w, WatchResponse{Events: []WatchEvent{put(kv("book", "c", 3))}})
		fresh(t, recv(t, ch), "a", "b", "c")
		send(w, WatchResponse{Events: []WatchEvent{del("book", "a"), put(kv("book", "aa", 4))}})
		second := recv(t, ch)
		fresh(t, second, "aa", "b", "c")
		// A changed value replaces the instance; an identical one is no event.
		moved := kv("book", "b", 2)
		moved.Value = []byte(`{"id":"b","service":"book","address":"10.0.0.2:2","tags":["v2"]}`)
		send(w, WatchResponse{Events: []WatchEvent{put(moved)}})
		ev := recv(t, ch)
		if ev.Instances[1].Address != "10.0.0.2:2" || ev.Instances[1].Tags[0] != "v2" || ev.Instances[1].Health != sd.HealthPassing {
			t.Fatalf("changed instance %+v", ev.Instances[1])
		}
		send(w, WatchResponse{Events: []WatchEvent{put(moved)}})
		none(t, ch)
		// Published slices never change afterwards.
		if !slices.Equal(ids(first), []string{"a", "b"}) || second.Instances[1].Address != "10.0.0.1:2" {
			t.Fatalf("an earlier event was modified: %v, %+v", ids(first), second.Instances[1])
		}
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
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		fresh(t, recv(t, ch), "a")
		start := time.Now()
		send(f.watch(0), WatchResponse{CompactRevision: 30})
		// The error event first, with the last instances, then the new list.
		staleWith(t, recv(t, ch), ErrCompacted, "a")
		close(gate)
		fresh(t, recv(t, ch), "a", "b")
		if w := f.watch(1); w.rev != 41 {
			t.Fatalf("re-watch from %d, want 41", w.rev)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("re-listed after %v; a compaction is no outage", waited)
		}
		if f.watch(0).ctx.Err() == nil {
			t.Fatal("the compacted watch was not cancelled")
		}
		// A second compaction straight away is met with backoff, not a spin.
		start = time.Now()
		send(f.watch(1), WatchResponse{CompactRevision: 45})
		staleWith(t, recv(t, ch), ErrCompacted, "a", "b")
		none(t, ch)
		time.Sleep(time.Second)
		fresh(t, recv(t, ch), "a", "b")
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
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		fresh(t, recv(t, ch), "a")
		// The watch falls silent; the probe notices within ProbeEvery + Timeout.
		time.Sleep(3 * time.Second)
		staleWith(t, recv(t, ch), ErrUnreachable, "a")
		if f.watch(0).ctx.Err() == nil {
			t.Fatal("the silent watch was not cancelled")
		}
		// Lists fail (timeouts) with growing, jittered backoff; every
		// failure is published with the same instances, until one answers.
		var seen []sd.Event
		for range 60 {
			time.Sleep(time.Second)
			synctest.Wait()
			select {
			case ev := <-ch:
				seen = append(seen, ev)
			default:
			}
		}
		if len(seen) < 6 {
			t.Fatalf("%d events during and after the outage, want 5 failures and a recovery", len(seen))
		}
		for _, ev := range seen[:len(seen)-1] {
			staleWith(t, ev, context.DeadlineExceeded, "a")
		}
		fresh(t, seen[len(seen)-1], "a")
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
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		fresh(t, recv(t, ch), "a")
		close(f.watch(0).ch)
		staleWith(t, recv(t, ch), ErrWatchEnded, "a")
		time.Sleep(time.Second)
		fresh(t, recv(t, ch), "a")
		errLeader := errors.New("etcdserver: no leader")
		send(f.watch(1), WatchResponse{Err: errLeader})
		staleWith(t, recv(t, ch), errLeader, "a")
		time.Sleep(time.Second)
		fresh(t, recv(t, ch), "a")
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
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		ev := recv(t, ch)
		if !ev.Stale || !errors.Is(ev.Err, errDown) || len(ev.Instances) != 0 {
			t.Fatalf("first event %+v, want stale with errDown and no instances", ev)
		}
		time.Sleep(time.Second)
		fresh(t, recv(t, ch)) // an empty set, known now
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
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		fresh(t, recv(t, ch), "a")
		// A valid instance overwritten by a bad value leaves the set.
		send(f.watch(0), WatchResponse{Events: []WatchEvent{{Key: DefaultPrefix + "book/a", Value: []byte("nope")}}})
		fresh(t, recv(t, ch))

		all := NewInstancer(f, "book", InstancerOptions{IncludeUnhealthy: true})
		defer all.Stop()
		ch2 := make(chan sd.Event, 1)
		all.Register(ch2)
		ev := recv(t, ch2)
		fresh(t, ev, "a", "odd", "sick")
		if ev.Instances[1].Health != sd.HealthCritical || ev.Instances[2].Health != sd.HealthCritical {
			t.Fatalf("health of odd and sick: %q %q, want critical", ev.Instances[1].Health, ev.Instances[2].Health)
		}
	})
}

func TestInstancerEveryService(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{kv("gateway", "g1", 1), kv("book", "b2", 2), kv("book", "b1", 3)}, 10, nil
		}}
		s := NewInstancer(f, "", InstancerOptions{})
		defer s.Stop()
		ch := make(chan sd.Event, 1)
		s.Register(ch)
		fresh(t, recv(t, ch), "b1", "b2", "g1")
		send(f.watch(0), WatchResponse{Events: []WatchEvent{put(kv("audit", "z", 4)), del("book", "b1")}})
		ev := recv(t, ch)
		fresh(t, ev, "z", "b2", "g1")
		if ev.Instances[0].Service != "audit" {
			t.Fatalf("service %q", ev.Instances[0].Service)
		}
	})
}

func TestInstancerObservers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeWatch{list: func(ctx context.Context, n int) ([]KeyValue, int64, error) {
			return []KeyValue{kv("book", "a", 1)}, 10, nil
		}}
		s := NewInstancer(f, "book", InstancerOptions{})
		slow := make(chan sd.Event) // never read until the end
		s.Register(slow)
		fast := make(chan sd.Event, 1)
		s.Register(fast)
		fresh(t, recv(t, fast), "a")
		send(f.watch(0), WatchResponse{Events: []WatchEvent{put(kv("book", "b", 2))}})
		fresh(t, recv(t, fast), "a", "b")
		// The slow observer is offered the newest state (or the first it
		// blocked on), never a backlog.
		synctest.Wait()
		ev := <-slow
		synctest.Wait()
		if got := ids(ev); !slices.Equal(got, []string{"a"}) && !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("slow observer got %v", got)
		}
		s.Deregister(fast)
		send(f.watch(0), WatchResponse{Events: []WatchEvent{put(kv("book", "c", 3))}})
		synctest.Wait()
		if len(fast) != 0 {
			t.Fatal("event after Deregister")
		}
		s.Stop()
		s.Stop()
		s.Register(make(chan sd.Event, 1)) // after Stop: ignored, starts nothing
	})
}
