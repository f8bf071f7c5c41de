package sd

import (
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/kitbench/kitbench/kit/endpoint"
)

// fleet builds n instances with their own string memory, as a registry
// client decoding a fresh response would.
func fleet(n, skip int) []Instance {
	out := make([]Instance, 0, n)
	for i := range n {
		if i == skip {
			continue
		}
		port := strconv.Itoa(10000 + i)
		out = append(out, Instance{
			ID:      "book-" + port,
			Service: "book",
			Address: "10.0.0.1:" + port,
			Tags:    []string{"v1"},
			Meta:    map[string]string{MetaHTTP: "10.0.0.1:" + port, MetaAdmin: "http://10.0.0.1:" + port},
			Health:  HealthPassing,
		})
	}
	return out
}

func nopFactory(Instance) (endpoint.Endpoint, io.Closer, error) {
	return func(context.Context, any) (any, error) { return nil, nil }, nil, nil
}

// newIdle returns an Endpointer whose update loop is driven by the caller.
func newIdle() *Endpointer {
	e := &Endpointer{factory: nopFactory, index: map[ikey]*Entry{}}
	e.snap.Store(&snapshot{err: ErrNoEndpoints})
	return e
}

func TestUpdateKeepsIndexConsistent(t *testing.T) {
	e := newIdle()
	steps := [][]Instance{fleet(50, -1), fleet(50, 7), fleet(50, 0), fleet(50, 49), fleet(50, -1)}
	// A reversed order and a shuffled subset exercise the index path.
	rev := fleet(50, -1)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	steps = append(steps, rev, fleet(50, 3)[10:30], fleet(50, -1))
	for n, s := range steps {
		e.apply(Event{Instances: s})
		got, _ := e.Entries()
		if len(got) != len(s) || len(e.index) != len(s) {
			t.Fatalf("step %d: %d entries, %d indexed, want %d", n, len(got), len(e.index), len(s))
		}
		for i, en := range got {
			if en.Instance().ID != s[i].ID || en.pos != i || e.index[ikey{en.Instance().ID, en.Instance().Address}] != en {
				t.Fatalf("step %d: entry %d is %s (pos %d), want %s", n, i, en.Instance().ID, en.pos, s[i].ID)
			}
		}
	}
	// An unchanged set publishes the same slice.
	before, _ := e.Entries()
	e.apply(Event{Instances: fleet(50, -1)})
	after, _ := e.Entries()
	if &before[0] != &after[0] {
		t.Fatal("unchanged set rebuilt the slice")
	}
}

// BenchmarkEndpointerUpdate applies, alternately, a 10 000-instance set and
// the same set minus one instance (each event decoded afresh). impl=kit is
// the Endpointer's diff; impl=raw rebuilds the cache and slice from scratch
// on every event, as go-kit does (without its sort).
func BenchmarkEndpointerUpdate(b *testing.B) {
	const n = 10000
	events := []Event{{Instances: fleet(n, -1)}, {Instances: fleet(n, n/2)}}
	b.Run("impl=kit", func(b *testing.B) {
		e := newIdle()
		e.apply(events[1])
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			e.apply(events[i%2])
			i++
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		cache := map[string]*Entry{}
		for i := range events[1].Instances {
			inst := &events[1].Instances[i]
			cache[inst.ID+"\x00"+inst.Address] = newEntry(inst, nil, nil)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			ev := events[i%2]
			i++
			next := make(map[string]*Entry, len(ev.Instances))
			list := make([]*Entry, 0, len(ev.Instances))
			for i := range ev.Instances {
				inst := &ev.Instances[i]
				k := inst.ID + "\x00" + inst.Address
				en, ok := cache[k]
				if !ok {
					en = newEntry(inst, nil, nil)
				}
				next[k] = en
				list = append(list, en)
			}
			cache = next
			_ = list
		}
	})
}
