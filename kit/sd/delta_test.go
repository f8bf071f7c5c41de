package sd_test

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
)

// delta builds a delta event removing and adding the given instances.
func delta(removed, added []sd.Instance) sd.Event {
	return sd.Event{Delta: true, Removed: removed, Instances: added}
}

func TestEndpointerAppliesDeltas(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		e := sd.NewEndpointer(src, f.make)
		defer e.Close()
		src.send(sd.Event{Instances: insts("a:1", "b:1", "c:1")})
		a, b := entryFor(t, e, "a:1"), entryFor(t, e, "b:1")

		// An added instance is appended, the others untouched.
		src.send(delta(nil, insts("d:1")))
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 b:1 c:1 d:1]" {
			t.Fatalf("after adding d: %s", got)
		}
		if made, _ := f.counts("a:1"); made != 1 || entryFor(t, e, "a:1") != a {
			t.Fatal("adding d rebuilt a")
		}

		// b changes its tags: same entry, same slice, endpoint kept.
		before, _ := e.Entries()
		newB := inst("b:1")
		newB.Tags = []string{"v2"}
		src.send(delta(insts("b:1"), []sd.Instance{newB}))
		after, _ := e.Entries()
		if &after[0] != &before[0] || entryFor(t, e, "b:1") != b || b.Instance().Tags[0] != "v2" {
			t.Fatalf("a tag change: new slice %v, entry kept %v, tags %v", &after[0] != &before[0], entryFor(t, e, "b:1") == b, b.Instance().Tags)
		}
		if made, closed := f.counts("b:1"); made != 1 || closed != 0 {
			t.Fatalf("a tag change remade b: made %d closed %d", made, closed)
		}

		// a leaves: closed once, the rest keep their order.
		src.send(delta(insts("a:1"), nil))
		if got := fmt.Sprint(addrsOf(t, e)); got != "[b:1 c:1 d:1]" {
			t.Fatalf("after removing a: %s", got)
		}
		if _, closed := f.counts("a:1"); closed != 1 {
			t.Fatalf("a closed %d times, want 1", closed)
		}

		// c moves to another address (same ID): the old endpoint closes,
		// a new one is made.
		moved := inst("c:2")
		moved.ID = inst("c:1").ID
		src.send(delta(insts("c:1"), []sd.Instance{moved}))
		if got := fmt.Sprint(addrsOf(t, e)); got != "[b:1 d:1 c:2]" {
			t.Fatalf("after moving c: %s", got)
		}
		if _, closed := f.counts("c:1"); closed != 1 {
			t.Fatal("c's old endpoint not closed")
		}

		// Removing what is not there is ignored.
		before, _ = e.Entries()
		src.send(delta(insts("zz:1", "a:1"), nil))
		after, _ = e.Entries()
		if &after[0] != &before[0] || len(after) != 3 {
			t.Fatalf("removing unknown instances changed the set: %v", addrsOf(t, e))
		}
		if _, closed := f.counts("a:1"); closed != 1 {
			t.Fatal("a closed twice")
		}

		// A stale delta still applies its changes, and marks the set stale.
		boom := errors.New("etcd down")
		src.send(sd.Event{Delta: true, Err: boom, Stale: true, Removed: insts("d:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[b:1 c:2]" || !e.State().Stale || !errors.Is(e.State().Err, boom) {
			t.Fatalf("after a stale delta: %s %+v", got, e.State())
		}
		// A whole set still replaces everything, as before.
		src.send(sd.Event{Instances: insts("e:1", "b:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[e:1 b:1]" || e.State().Stale {
			t.Fatalf("after a whole set: %s %+v", got, e.State())
		}
	})
}

func TestEndpointerDeltaRetriesFactoryFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		f.failFor = "b:1"
		e := sd.NewEndpointer(src, f.make)
		defer e.Close()
		src.send(sd.Event{Instances: insts("a:1")})
		src.send(delta(nil, insts("b:1")))
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1]" || e.State().FactoryErr == nil {
			t.Fatalf("entries %s, state %+v", got, e.State())
		}
		// b is not published again, but any later event retries it.
		f.mu.Lock()
		f.failFor = ""
		f.mu.Unlock()
		src.send(sd.Event{Delta: true})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 b:1]" || e.State().FactoryErr != nil {
			t.Fatalf("after the retry: %s %+v", got, e.State())
		}
		// An instance that failed and then left is not retried.
		f.mu.Lock()
		f.failFor = "c:1"
		f.mu.Unlock()
		src.send(delta(nil, insts("c:1")))
		src.send(delta(insts("c:1"), nil))
		f.mu.Lock()
		f.failFor = ""
		f.mu.Unlock()
		src.send(sd.Event{Delta: true})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[a:1 b:1]" {
			t.Fatalf("a departed failure came back: %s", got)
		}
	})
}

func TestEndpointerIgnoresDeltasWithoutAWholeSet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, f := &chanInstancer{}, newFactory()
		e := sd.NewEndpointer(src, f.make, sd.InvalidateOnError(time.Minute))
		defer e.Close()
		// Changes before any whole set have nothing to apply to.
		src.send(delta(nil, insts("a:1")))
		_, err := e.Entries()
		if !errors.Is(err, sd.ErrNoEndpoints) || !errors.Is(err, sd.ErrNoWholeSet) {
			t.Fatalf("after a delta first: err = %v, want ErrNoEndpoints wrapping ErrNoWholeSet", err)
		}
		if made, _ := f.counts("a:1"); made != 0 {
			t.Fatal("the orphan delta made an endpoint")
		}
		if err := e.Wait(t.Context()); err != nil {
			t.Fatalf("Wait after the first event: %v", err)
		}
		src.send(sd.Event{Instances: insts("b:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[b:1]" {
			t.Fatalf("the whole set after it: %s", got)
		}

		// After InvalidateOnError dropped the entries, deltas are ignored
		// too, and the recovery (a whole set, as the contract says) serves
		// again.
		boom := errors.New("down")
		src.send(sd.Event{Delta: true, Err: boom, Stale: true})
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		if !e.State().Invalidated {
			t.Fatalf("not invalidated: %+v", e.State())
		}
		src.send(sd.Event{Delta: true, Err: boom, Stale: true, Instances: insts("c:1")})
		if _, err := e.Entries(); !errors.Is(err, sd.ErrNoEndpoints) || !errors.Is(err, boom) || errors.Is(err, sd.ErrNoWholeSet) {
			t.Fatalf("after a stale delta while invalidated: %v, want the invalidation's error", err)
		}
		if made, _ := f.counts("c:1"); made != 0 {
			t.Fatal("an ignored delta made an endpoint")
		}
		// A delta that clears Stale there breaks the contract.
		src.send(delta(nil, insts("d:1")))
		if _, err := e.Entries(); !errors.Is(err, sd.ErrNoWholeSet) {
			t.Fatalf("a fresh delta after invalidation: %v, want ErrNoWholeSet", err)
		}
		src.send(sd.Event{Instances: insts("b:1", "c:1")})
		if got := fmt.Sprint(addrsOf(t, e)); got != "[b:1 c:1]" || e.State().Invalidated || e.State().Stale {
			t.Fatalf("after recovery: %s %+v", got, e.State())
		}
		src.send(delta(insts("b:1"), nil))
		if got := fmt.Sprint(addrsOf(t, e)); got != "[c:1]" {
			t.Fatalf("deltas after recovery: %s", got)
		}
	})
}

func ExampleEvent_Apply() {
	set := []sd.Instance{{ID: "a", Service: "book"}, {ID: "b", Service: "book", Tags: []string{"v1"}}}
	ev := sd.Event{
		Delta:     true,
		Removed:   []sd.Instance{{ID: "a", Service: "book"}, {ID: "b", Service: "book", Tags: []string{"v1"}}},
		Instances: []sd.Instance{{ID: "b", Service: "book", Tags: []string{"v2"}}, {ID: "c", Service: "book"}},
	}
	for _, in := range ev.Apply(set) {
		fmt.Println(in.ID, in.Tags)
	}
	// Output:
	// b [v2]
	// c []
}
