package etcd

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/sd"
)

func nopFactory(sd.Instance) (endpoint.Endpoint, io.Closer, error) {
	return func(context.Context, any) (any, error) { return nil, nil }, nil, nil
}

// pushInstancer hands events from the benchmark straight to its observer.
type pushInstancer struct {
	mu sync.Mutex
	ch chan<- sd.Event
}

func (p *pushInstancer) Register(ch chan<- sd.Event) { p.mu.Lock(); p.ch = ch; p.mu.Unlock() }
func (p *pushInstancer) Deregister(chan<- sd.Event)  { p.mu.Lock(); p.ch = nil; p.mu.Unlock() }
func (p *pushInstancer) Stop()                       {}

// benchFleet returns n registered instances of book and, for the one in
// the middle, two values that differ in one tag.
func benchFleet(n int) (kvs []KeyValue, changed int, values [2][]byte) {
	for i := range n {
		inst := sd.Instance{ID: fmt.Sprintf("book-%05d", i), Service: "book", Address: fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250),
			Tags: []string{"v1"}, Meta: map[string]string{sd.MetaGRPC: fmt.Sprintf("10.0.%d.%d:9090", i/250, i%250)}}
		v, err := encode(inst)
		if err != nil {
			panic(err)
		}
		kvs = append(kvs, KeyValue{Key: Key("", inst), Value: []byte(v)})
		if i == n/2 {
			values[0] = []byte(v)
			inst.Tags = []string{"v2"}
			v2, _ := encode(inst)
			values[1] = []byte(v2)
		}
	}
	return kvs, n / 2, values
}

// waitTag spins until the Endpointer serves entry i with tag.
func waitTag(e *sd.Endpointer, i int, tag string) {
	for {
		if en, err := e.Entries(); err == nil && len(en) > i && en[i].Instance().Tags[0] == tag {
			return
		}
		runtime.Gosched()
	}
}

// BenchmarkWatchUpdate measures one instance of 10 000 changing, from the
// watch response that reports it to the sd.Endpointer serving the change.
// impl=kit is this package's Instancer: it publishes the change as a delta
// (the instance's previous and new values), which the Endpointer applies
// to that instance's entry alone.
// impl=raw is go-kit's etcdv3 way: every watch event triggers a re-list
// of the prefix, decoded and sorted anew (the list's own network time is
// not counted), handed to the same Endpointer.
func BenchmarkWatchUpdate(b *testing.B) {
	const n = 10000
	kvs, changed, values := benchFleet(n)
	tags := [2]string{"v1", "v2"}
	b.Run("impl=kit", func(b *testing.B) {
		f := &fakeWatch{list: func(context.Context, int) ([]KeyValue, int64, error) { return kvs, 1, nil }}
		s := NewInstancer(f, "book", InstancerOptions{ProbeEvery: time.Hour})
		defer s.Stop()
		e := sd.NewEndpointer(s, nopFactory)
		defer e.Close()
		if err := e.Wait(b.Context()); err != nil {
			b.Fatal(err)
		}
		for _, w, _ := f.counts(); w == 0; _, w, _ = f.counts() {
			runtime.Gosched()
		}
		w := f.watch(0)
		key := kvs[changed].Key
		b.ReportAllocs()
		i := 1
		for b.Loop() {
			w.ch <- WatchResponse{Events: []WatchEvent{{Key: key, Value: values[i%2]}}}
			waitTag(e, changed, tags[i%2])
			i++
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		p := &pushInstancer{}
		e := sd.NewEndpointer(p, nopFactory)
		defer e.Close()
		list := append([]KeyValue(nil), kvs...)
		relist := func() []sd.Instance {
			out := make([]sd.Instance, 0, len(list))
			for _, kv := range list {
				svc, id, err := parseKey(DefaultPrefix+"book/", "book", kv.Key)
				if err != nil {
					b.Fatal(err)
				}
				inst, err := decode(svc, id, kv.Value)
				if err != nil {
					b.Fatal(err)
				}
				out = append(out, inst)
			}
			sortInstances(out)
			return out
		}
		p.ch <- sd.Event{Instances: relist()}
		waitTag(e, changed, "v1")
		b.ReportAllocs()
		i := 1
		for b.Loop() {
			list[changed].Value = values[i%2]
			p.ch <- sd.Event{Instances: relist()}
			waitTag(e, changed, tags[i%2])
			i++
		}
	})
}
