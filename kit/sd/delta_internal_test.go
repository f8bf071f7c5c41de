package sd

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestPatchKeepsIndexConsistent applies random deltas (joins, departures,
// changes of tags and of address) and checks after each that the entries
// are exactly the set Event.Apply computes, in its order, with positions
// and index in step.
func TestPatchKeepsIndexConsistent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	e := newIdle()
	set := fleet(40, -1)
	e.apply(Event{Instances: set})
	for step := range 500 {
		var ev Event
		ev.Delta = true
		touched := map[string]bool{}
		for range 1 + r.IntN(4) {
			i := r.IntN(len(set) + 1)
			if i == len(set) || touched[idOf(set, i)] {
				// a new instance
				port := strconv.Itoa(20000 + step)
				ev.Instances = append(ev.Instances, Instance{ID: "new-" + port + "-" + strconv.Itoa(len(ev.Instances)), Service: "book", Address: "10.0.0.2:" + port})
				continue
			}
			old := set[i]
			touched[old.ID] = true
			ev.Removed = append(ev.Removed, old)
			switch r.IntN(3) {
			case 0: // leaves
			case 1: // new tags
				changed := old
				changed.Tags = []string{strconv.Itoa(step)}
				ev.Instances = append(ev.Instances, changed)
			case 2: // new address
				changed := old
				changed.Address = "10.0.0.3:" + strconv.Itoa(step)
				ev.Instances = append(ev.Instances, changed)
			}
		}
		set = ev.Apply(set)
		e.apply(ev)
		got, _ := e.Entries()
		if len(got) != len(set) || len(e.index) != len(set) {
			t.Fatalf("step %d: %d entries, %d indexed, want %d", step, len(got), len(e.index), len(set))
		}
		// Apply puts changes in place while the Endpointer keeps an
		// entry's place only when its address stays: compare as sets,
		// then check the Endpointer's own bookkeeping.
		want := map[ikey]Instance{}
		for _, in := range set {
			want[ikey{in.ID, in.Address}] = in
		}
		for i, en := range got {
			in := en.Instance()
			w, ok := want[ikey{in.ID, in.Address}]
			if !ok || w.Tags == nil != (in.Tags == nil) || (w.Tags != nil && w.Tags[0] != in.Tags[0]) {
				t.Fatalf("step %d: entry %d is %+v, not in the set", step, i, in)
			}
			if en.pos != i || e.index[ikey{in.ID, in.Address}] != en || en.leaving {
				t.Fatalf("step %d: entry %d (%s) has pos %d, indexed %v, leaving %v", step, i, in.ID, en.pos, e.index[ikey{in.ID, in.Address}] == en, en.leaving)
			}
		}
	}
}

func idOf(set []Instance, i int) string { return set[i].ID }
