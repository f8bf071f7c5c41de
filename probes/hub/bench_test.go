package hub

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/discovery"
	"github.com/kitbench/kitbench/probes/introspect"
)

// chanSource is a Source fed by the benchmark.
type chanSource chan discovery.Snapshot

func (c chanSource) Updates() <-chan discovery.Snapshot { return c }
func (c chanSource) Close() error                       { return nil }

// silentAdmin is a transport for admin listeners that never answer: it
// holds each request until the request's context ends. It is a fake on
// purpose: the benchmarks measure the hub (BenchmarkFleetMemory its heap),
// and a thousand real connections would add their buffers to the figure.
type silentAdmin struct{}

func (silentAdmin) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// newBenchHub builds a hub the normal way, fed by a source the benchmark
// controls. Every instance gets its real probe, whose admin listener never
// answers (and whose request timeout outlasts the benchmark), so the probes
// stay silent and the benchmark speaks for them through update.
func newBenchHub(b *testing.B) (*Hub, chanSource) {
	src := make(chanSource)
	h, err := New(Options{
		Source:         src,
		Introspect:     introspect.Options{HTTPClient: &http.Client{Transport: silentAdmin{}}, Timeout: time.Hour},
		ScrapeInterval: -1,
	})
	if err != nil {
		b.Fatal(err)
	}
	return h, src
}

func benchHub(b *testing.B) (*Hub, chanSource) {
	h, src := newBenchHub(b)
	b.Cleanup(func() { h.Close() })
	return h, src
}

// apply hands the hub a snapshot through its source and waits until the
// hub has applied it (bounded, as every wait is).
func apply(b *testing.B, h *Hub, src chanSource, snap discovery.Snapshot) {
	src <- snap
	want := len(snap.Instances())
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		n := len(h.insts)
		h.mu.Unlock()
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the hub did not apply %d instances within 10 s", want)
		}
		time.Sleep(time.Millisecond)
	}
}

// update delivers u as the instance's probe would, under the probe's
// identity (the hub ignores updates from a probe it has replaced).
func update(h *Hub, k Key, u introspect.Update) {
	h.mu.Lock()
	p := h.insts[k].probe
	h.mu.Unlock()
	h.onIntro(k, p, u)
}

func fleet(n int) discovery.Snapshot {
	insts := make([]sd.Instance, n)
	for i := range insts {
		addr := fmt.Sprintf("127.0.0.1:%d", 10000+i)
		insts[i] = sd.Instance{ID: fmt.Sprintf("book-%04d", i), Service: "book", Address: addr, Health: sd.HealthPassing,
			Tags: []string{"http", "grpc"}, Meta: map[string]string{sd.MetaAdmin: "http://" + addr, sd.MetaHTTP: addr}}
	}
	return discovery.Snapshot{Source: "bench", Ready: true, Services: []discovery.Service{{Name: "book", Instances: insts, Known: true}}}
}

func span(i int) wire.Span {
	return wire.Span{
		Cursor: uint64(i), TraceID: fmt.Sprintf("%032x", i/4), SpanID: fmt.Sprintf("%016x", i), ParentSpanID: fmt.Sprintf("%016x", i-1),
		Name: "book.GetBook", Service: "book", Kind: "server", Start: time.Unix(0, int64(i)), DurationNS: 1e6, Status: "ok",
		Attributes: map[string]string{"http.method": "GET", "http.route": "/v1/books/{id}", "http.status_code": "200", "peer": "127.0.0.1:5000"},
	}
}

// BenchmarkSpanEvents pushes span events, one per op, through the hub
// with one slow subscriber that takes a message every 100µs. The
// publisher must never wait for it; the drops are reported.
func BenchmarkSpanEvents(b *testing.B) {
	h, src := benchHub(b)
	apply(b, h, src, fleet(10))
	keys := make([]Key, 10)
	for i := range keys {
		keys[i] = Key{"book", fmt.Sprintf("book-%04d", i)}
	}
	spans := make([]wire.Span, 1024)
	for i := range spans {
		spans[i] = span(i)
	}
	sub := h.Subscribe(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := sub.Next(ctx); err != nil {
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		sp := spans[i%len(spans)]
		update(h, keys[(i/64)%len(keys)], introspect.Update{Kind: introspect.KindEvent, Event: wire.Event{Type: wire.EventSpan, Span: &sp}})
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(sub.Dropped()), "dropped")
	cancel()
	<-done
	sub.Close()
}

// BenchmarkFleetMemory measures the heap held by a hub with 1 000
// instances (info with endpoints, three breakers and a limiter each) and
// a full span ring.
func BenchmarkFleetMemory(b *testing.B) {
	b.ReportAllocs()
	var held float64
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)

		h, src := newBenchHub(b)
		snap := fleet(1000)
		apply(b, h, src, snap)
		for _, in := range snap.Instances() {
			k := Key{"book", in.ID}
			info := wire.Info{Protocol: 1, Service: "book", InstanceID: in.ID, Transports: []wire.Transport{{Name: "http", Addr: in.Address}}}
			for _, m := range []string{"CreateBook", "GetBook", "ListBooks", "DeleteBook"} {
				info.Endpoints = append(info.Endpoints, wire.EndpointDoc{Name: m, Transport: "http", HTTPMethod: "GET", HTTPPath: "/v1/books/{id}"})
			}
			update(h, k, introspect.Update{Kind: introspect.KindInfo, Info: info})
			update(h, k, introspect.Update{Kind: introspect.KindStatus, Mode: introspect.ModeStream})
			update(h, k, introspect.Update{Kind: introspect.KindBreakers, Breakers: []wire.Breaker{{Name: "CreateBook"}, {Name: "GetBook"}, {Name: "ListBooks"}}})
			update(h, k, introspect.Update{Kind: introspect.KindLimiters, Limiters: []wire.Limiter{{Name: "book", Rate: 100, Burst: 20}}})
		}
		batch := make([]wire.Span, 100)
		for i := range DefaultSpanRing / len(batch) {
			for j := range batch {
				batch[j] = span(i*len(batch) + j)
			}
			update(h, Key{"book", fmt.Sprintf("book-%04d", i%1000)}, introspect.Update{Kind: introspect.KindSpans, Spans: batch})
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		held = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		if s := h.Stats(); s.SpansHeld != DefaultSpanRing {
			b.Fatalf("ring holds %d", s.SpansHeld)
		}
		h.Close()
	}
	b.ReportMetric(held, "MB-held")
}

// BenchmarkTraces joins a full ring into traces.
func BenchmarkTraces(b *testing.B) {
	h, src := benchHub(b)
	batch := make([]wire.Span, DefaultSpanRing)
	for i := range batch {
		batch[i] = span(i)
	}
	apply(b, h, src, fleet(1))
	update(h, Key{"book", "book-0000"}, introspect.Update{Kind: introspect.KindSpans, Spans: batch})
	b.ReportAllocs()
	for b.Loop() {
		if len(h.Traces(100)) != 100 {
			b.Fatal("traces")
		}
	}
}
