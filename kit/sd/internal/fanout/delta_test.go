package fanout

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/kitbench/kitbench/kit/sd"
)

func in(id string, tag string) sd.Instance {
	return sd.Instance{ID: id, Service: "book", Address: "10.0.0.1:" + id, Tags: []string{tag}}
}

// follower applies every event it receives, as an observer must.
type follower struct {
	ch  chan sd.Event
	set []sd.Instance
	got []sd.Event
}

func newFollower(buf int) *follower { return &follower{ch: make(chan sd.Event, buf)} }

// take applies one event if one is ready once the bubble is idle.
func (o *follower) take(t *testing.T) (sd.Event, bool) {
	t.Helper()
	synctest.Wait()
	select {
	case ev := <-o.ch:
		if len(o.got) == 0 && ev.Delta {
			t.Fatalf("first event is a delta: %+v", ev)
		}
		o.got = append(o.got, ev)
		o.set = ev.Apply(o.set)
		return ev, true
	default:
		return sd.Event{}, false
	}
}

func (o *follower) must(t *testing.T) sd.Event {
	t.Helper()
	ev, ok := o.take(t)
	if !ok {
		t.Fatal("no event")
	}
	return ev
}

// view renders a set as sorted "id:tag" strings.
func view(set []sd.Instance) []string {
	var out []string
	for _, i := range set {
		out = append(out, i.ID+":"+i.Tags[0])
	}
	slices.Sort(out)
	return out
}

func TestDeltasMergedForASlowObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f Fanout
		defer f.Stop()
		f.Publish(sd.Event{Instances: []sd.Instance{in("1", "a"), in("2", "a"), in("3", "a")}})
		fast, slow := newFollower(1), newFollower(0)
		f.Register(fast.ch)
		f.Register(slow.ch) // unbuffered: its first send blocks until read
		fast.must(t)
		deltas := []sd.Event{
			{Delta: true, Instances: []sd.Instance{in("4", "a")}},
			{Delta: true, Removed: []sd.Instance{in("1", "a")}},
			{Delta: true, Removed: []sd.Instance{in("2", "a")}, Instances: []sd.Instance{in("2", "b")}},
			{Delta: true, Instances: []sd.Instance{in("5", "a")}},
			{Delta: true, Removed: []sd.Instance{in("5", "a")}},
			{Delta: true, Removed: []sd.Instance{in("3", "a")}, Instances: []sd.Instance{in("3", "b")}},
			{Delta: true, Removed: []sd.Instance{in("3", "b")}, Instances: []sd.Instance{in("3", "a")}},
			{Delta: true, Removed: []sd.Instance{in("4", "a")}, Instances: []sd.Instance{in("4", "c")}},
		}
		for _, d := range deltas {
			f.Publish(d)
			if ev := fast.must(t); !ev.Delta {
				t.Fatalf("fast observer got %+v, want the delta", ev)
			}
		}
		want := []string{"2:b", "3:a", "4:c"}
		if got := view(fast.set); !slices.Equal(got, want) {
			t.Fatalf("fast observer holds %v, want %v", got, want)
		}
		// The slow one gets the whole set it blocked on, then one delta
		// with the net change: 1 gone, 2 and 4 changed, 4 new; 5 came and
		// went, 3 changed back.
		if ev := slow.must(t); ev.Delta || len(ev.Instances) != 3 {
			t.Fatalf("slow observer's first event %+v", ev)
		}
		ev := slow.must(t)
		if !ev.Delta || !slices.Equal(view(ev.Removed), []string{"1:a", "2:a"}) || !slices.Equal(view(ev.Instances), []string{"2:b", "4:c"}) {
			t.Fatalf("merged delta: removed %v, added %v", view(ev.Removed), view(ev.Instances))
		}
		if got := view(slow.set); !slices.Equal(got, want) {
			t.Fatalf("slow observer holds %v, want %v", got, want)
		}
		if _, ok := slow.take(t); ok {
			t.Fatal("a third event for the slow observer")
		}
	})
}

func TestWholeSetAmongDeltasForASlowObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f Fanout
		defer f.Stop()
		f.Publish(sd.Event{Instances: []sd.Instance{in("1", "a")}})
		slow := newFollower(0)
		f.Register(slow.ch)
		synctest.Wait() // blocked sending the first set
		f.Publish(sd.Event{Delta: true, Instances: []sd.Instance{in("2", "a")}})
		f.Publish(sd.Event{Instances: []sd.Instance{in("7", "a"), in("8", "a")}})
		f.Publish(sd.Event{Delta: true, Removed: []sd.Instance{in("7", "a")}, Instances: []sd.Instance{in("9", "a")}})
		f.Publish(sd.Event{Delta: true, Err: errDown, Stale: true})
		slow.must(t)
		// A whole set was published meanwhile: the observer gets the whole
		// current set, with the latest error.
		ev := slow.must(t)
		if ev.Delta || !ev.Stale || ev.Err != errDown || !slices.Equal(view(ev.Instances), []string{"8:a", "9:a"}) {
			t.Fatalf("after a whole set among deltas: %+v", ev)
		}
		if _, ok := slow.take(t); ok {
			t.Fatal("a third event")
		}
	})
}

var errDown = fmt.Errorf("registry down")

func TestRegisterMidStreamGetsTheWholeSet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f Fanout
		defer f.Stop()
		early := newFollower(0)
		f.Register(early.ch) // before anything: no event
		if _, ok := early.take(t); ok {
			t.Fatal("an event before any was published")
		}
		// An error before any set: the first event is a whole, empty set.
		f.Publish(sd.Event{Delta: true, Err: errDown, Stale: true})
		if ev := early.must(t); ev.Delta || len(ev.Instances) != 0 || ev.Err != errDown {
			t.Fatalf("first event %+v, want a whole, empty, stale set", ev)
		}
		f.Publish(sd.Event{Instances: []sd.Instance{in("3", "a"), in("1", "a")}})
		early.must(t)
		f.Publish(sd.Event{Delta: true, Removed: []sd.Instance{in("3", "a")}, Instances: []sd.Instance{in("2", "a")}})
		early.must(t)
		late := newFollower(1)
		f.Register(late.ch)
		ev := late.must(t)
		if ev.Delta || ev.Err != nil || !slices.Equal(view(ev.Instances), []string{"1:a", "2:a"}) || ev.Instances[0].ID != "1" {
			t.Fatalf("late observer's first event %+v, want the current set, sorted", ev)
		}
		// Both share the rebuilt slice; later events are deltas for both.
		other := newFollower(1)
		f.Register(other.ch)
		if ev2 := other.must(t); &ev2.Instances[0] != &ev.Instances[0] {
			t.Fatal("the unchanged whole set was rebuilt for a second observer")
		}
		f.Publish(sd.Event{Delta: true, Instances: []sd.Instance{in("4", "a")}})
		for _, o := range []*follower{early, late, other} {
			if ev := o.must(t); !ev.Delta || !slices.Equal(view(o.set), []string{"1:a", "2:a", "4:a"}) {
				t.Fatalf("after a delta: %+v leaves %v", ev, view(o.set))
			}
		}
	})
}

func TestStagedChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f Fanout
		defer f.Stop()
		f.Publish(sd.Event{Instances: []sd.Instance{in("1", "a"), in("2", "a")}})
		o := newFollower(1)
		f.Register(o.ch)
		o.must(t)
		if !f.Holds([]sd.Instance{in("2", "a"), in("1", "a")}) || f.Holds([]sd.Instance{in("1", "a")}) || f.Holds([]sd.Instance{in("1", "a"), in("2", "b")}) {
			t.Fatal("Holds")
		}
		f.Put(in("1", "a")) // equal: nothing
		f.Delete("book", "9")
		if f.Commit() {
			t.Fatal("Commit published a change when none was staged")
		}
		f.Put(in("3", "a"))
		f.Put(in("3", "b"))
		f.Put(in("2", "b"))
		f.Delete("book", "1")
		// Staged changes are not seen before Commit, even by Register.
		late := newFollower(1)
		f.Register(late.ch)
		if ev := late.must(t); !slices.Equal(view(ev.Instances), []string{"1:a", "2:a"}) {
			t.Fatalf("Register saw staged changes: %+v", ev)
		}
		if _, ok := o.take(t); ok {
			t.Fatal("an event before Commit")
		}
		if !f.Commit() {
			t.Fatal("Commit published nothing")
		}
		ev := o.must(t)
		if !ev.Delta || !slices.Equal(view(ev.Removed), []string{"1:a", "2:a"}) || !slices.Equal(view(ev.Instances), []string{"2:b", "3:b"}) {
			t.Fatalf("committed delta: removed %v, added %v", view(ev.Removed), view(ev.Instances))
		}
		// A change and its undo within one commit is none.
		f.Put(in("2", "c"))
		f.Put(in("2", "b"))
		f.Put(in("4", "a"))
		f.Delete("book", "4")
		if f.Commit() {
			t.Fatal("a net-zero commit published")
		}
	})
}

// TestRandomChurnLosesNothing publishes random deltas and whole sets while
// observers of different speeds read at random moments: each must end with
// exactly the published set.
func TestRandomChurnLosesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		var f Fanout
		defer f.Stop()
		truth := map[string]sd.Instance{}
		followers := []*follower{newFollower(0), newFollower(1), newFollower(0)}
		for i, o := range followers {
			if i < 2 {
				f.Register(o.ch)
			}
		}
		for step := range 2000 {
			switch n := r.IntN(60); {
			case n == 0:
				var whole []sd.Instance
				clear(truth)
				for j := range r.IntN(10) {
					inst := in(fmt.Sprint(r.IntN(30)), fmt.Sprint(j))
					if _, dup := truth[inst.ID]; !dup {
						truth[inst.ID] = inst
						whole = append(whole, inst)
					}
				}
				f.Publish(sd.Event{Instances: whole})
			case n < 6:
				f.Publish(sd.Event{Delta: true, Err: errDown, Stale: true})
			default:
				var d sd.Event
				d.Delta = true
				touched := map[string]bool{}
				for range 1 + r.IntN(3) {
					id := fmt.Sprint(r.IntN(30))
					if touched[id] {
						continue
					}
					touched[id] = true
					old, had := truth[id]
					if had {
						d.Removed = append(d.Removed, old)
						delete(truth, id)
					}
					if !had || r.IntN(2) == 0 {
						inst := in(id, fmt.Sprint(step))
						truth[id] = inst
						d.Instances = append(d.Instances, inst)
					}
				}
				f.Publish(d)
			}
			if step == 1000 {
				f.Register(followers[2].ch)
			}
			for _, o := range followers {
				if r.IntN(4) == 0 {
					o.take(t)
				}
			}
			if step%50 != 49 {
				continue
			}
			// Catch up: every follower must now hold exactly the truth.
			want := view(slices.Collect(maps.Values(truth)))
			for i, o := range followers {
				if step < 1000 && i == 2 {
					continue
				}
				for {
					if _, ok := o.take(t); !ok {
						break
					}
				}
				if got := view(o.set); !slices.Equal(got, want) {
					t.Fatalf("step %d: follower %d holds %v, want %v", step, i, got, want)
				}
			}
		}
	})
}
