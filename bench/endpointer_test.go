package bench

import (
	"runtime"
	"sync"
	"testing"

	gokitsd "github.com/go-kit/kit/sd"
	"github.com/go-kit/log"

	"github.com/kitbench/kitbench/kit/sd"
)

// The Endpointer comparison: the update that follows when a 10 000-instance
// set changes by one instance. Each iteration publishes, alternately, the
// full set and the set without its middle instance through an Instancer the
// benchmark drives, and waits until the Endpointer serves the new set (kit:
// State().Endpoints; go-kit: len(Endpoints()), which waits for the update's
// lock). impl=kit diffs the set against the current one; impl=gokit (v0.13.0
// sd.NewEndpointer) sorts the strings and rebuilds its map and slice.
// Both factories build a no-op endpoint; allocations of the update
// goroutine are counted (ReportAllocs reads the whole process).

const updateSize = 10000

func BenchmarkEndpointerUpdate(b *testing.B) {
	b.Run("impl=kit/n=10000", func(b *testing.B) {
		full := lbInstances(updateSize)
		less := append(append([]sd.Instance(nil), full[:updateSize/2]...), full[updateSize/2+1:]...)
		src := &kitDriven{}
		e := sd.NewEndpointer(src, kitFactory)
		defer e.Close()
		sets := [][]sd.Instance{less, full}
		src.send(sd.Event{Instances: full})
		for e.State().Endpoints != updateSize {
			runtime.Gosched()
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			set := sets[i%2]
			i++
			src.send(sd.Event{Instances: set})
			for e.State().Endpoints != len(set) {
				runtime.Gosched()
			}
		}
	})
	b.Run("impl=gokit/n=10000", func(b *testing.B) {
		full := make([]string, updateSize)
		for i, inst := range lbInstances(updateSize) {
			full[i] = inst.Address
		}
		less := append(append([]string(nil), full[:updateSize/2]...), full[updateSize/2+1:]...)
		src := &gokitDriven{}
		e := gokitsd.NewEndpointer(src, gokitFactory, log.NewNopLogger())
		defer e.Close()
		sets := [][]string{less, full}
		src.send(gokitsd.Event{Instances: full})
		gokitWait(b, e, updateSize)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			set := sets[i%2]
			i++
			src.send(gokitsd.Event{Instances: set})
			for {
				if eps, _ := e.Endpoints(); len(eps) == len(set) {
					break
				}
				runtime.Gosched()
			}
		}
	})
}

// kitDriven is a kit Instancer the benchmark drives.
type kitDriven struct {
	mu sync.Mutex
	ch chan<- sd.Event
}

func (d *kitDriven) Register(ch chan<- sd.Event) { d.mu.Lock(); d.ch = ch; d.mu.Unlock() }
func (d *kitDriven) Deregister(chan<- sd.Event)  { d.mu.Lock(); d.ch = nil; d.mu.Unlock() }
func (d *kitDriven) Stop()                       {}

func (d *kitDriven) send(ev sd.Event) {
	d.mu.Lock()
	ch := d.ch
	d.mu.Unlock()
	ch <- ev
}

// gokitDriven is a go-kit Instancer the benchmark drives.
type gokitDriven struct {
	mu sync.Mutex
	ch chan<- gokitsd.Event
}

func (d *gokitDriven) Register(ch chan<- gokitsd.Event) { d.mu.Lock(); d.ch = ch; d.mu.Unlock() }
func (d *gokitDriven) Deregister(chan<- gokitsd.Event)  { d.mu.Lock(); d.ch = nil; d.mu.Unlock() }
func (d *gokitDriven) Stop()                            {}

func (d *gokitDriven) send(ev gokitsd.Event) {
	d.mu.Lock()
	ch := d.ch
	d.mu.Unlock()
	ch <- ev
}
