package capture

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kitbench/kitbench/recorder"
)

// DefaultQueue is how many captured calls may wait for a Capture's writer
// unless Options say otherwise.
const DefaultQueue = 4096

// flushEvery is how long a Capture's writer gathers calls before it
// redacts, encodes and writes them; a queue half full is written at once.
const flushEvery = 10 * time.Millisecond

// maxBatch bounds how many exchanges one write carries.
const maxBatch = 256

// Capture records the calls a service serves without doing the recording
// on the calls' goroutines: its middleware (HTTP) and interceptor (Unary)
// copy what the call leaves behind — status, timing, a snapshot of the
// header maps, the bodies' first MaxBody bytes into pooled buffers — and
// queue it; one goroutine of the Capture's own redacts, encodes and
// writes what is queued, every 10 ms, in one write(2) when the Appender is
// a *recorder.Writer. A call never waits for the disk: when the queue is
// full the call is served, not recorded, and counted (Dropped).
//
// Close stops the goroutine after writing what is queued. A crash loses
// the calls still queued: at most Options.Queue of them, usually the last
// 10 ms worth.
type Capture struct {
	to    recorder.Appender
	batch *recorder.Batch // to is a *recorder.Writer
	opts  Options
	max   int

	ch      chan *record
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	closed  atomic.Bool
	once    sync.Once
	dropped atomic.Int64

	reported int64   // owned by the writing goroutine
	scratch  scratch // owned by the writing goroutine
	errMu    sync.Mutex
	err      error
}

// New starts a Capture writing to to. Options.OnError receives write errors
// and, once per write, how many calls were dropped since the last report
// (an error wrapping recorder.ErrQueueFull). Close it when the service
// stops, before closing to.
func New(to recorder.Appender, opts Options) *Capture {
	n := opts.Queue
	if n <= 0 {
		n = DefaultQueue
	}
	c := &Capture{to: to, opts: opts, max: opts.maxBody(),
		ch: make(chan *record, n), kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	if w, ok := to.(*recorder.Writer); ok {
		c.batch = w.NewBatch()
	}
	go c.run()
	return c
}

// Dropped is how many calls were served but not recorded because the queue
// was full.
func (c *Capture) Dropped() int64 { return c.dropped.Load() }

// Close writes what is queued, stops the Capture's goroutine and returns
// the first error writing met. Calls served after Close are not recorded;
// calls ending while Close runs may not be. It does not close the
// Appender, and it is safe to call more than once.
func (c *Capture) Close() error {
	c.once.Do(func() {
		c.closed.Store(true)
		close(c.stop)
	})
	<-c.done
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

// enqueue hands rec to the writing goroutine without waiting.
func (c *Capture) enqueue(rec *record) {
	if c.closed.Load() {
		putRecord(rec)
		return
	}
	select {
	case c.ch <- rec:
	default:
		putRecord(rec)
		c.dropped.Add(1)
	}
	if len(c.ch) >= cap(c.ch)/2 {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

func (c *Capture) run() {
	defer close(c.done)
	t := time.NewTimer(flushEvery)
	t.Stop()
	for {
		select {
		case rec := <-c.ch: // idle until a call arrives
			c.handle(rec)
		case <-c.stop:
			c.drain()
			return
		}
		t.Reset(flushEvery)
		select {
		case <-t.C:
		case <-c.kick:
			t.Stop()
		case <-c.stop:
			t.Stop()
		}
		c.drain()
	}
}

// drain records what is queued now, then writes.
func (c *Capture) drain() {
	for n := len(c.ch); n > 0; n-- {
		c.handle(<-c.ch)
	}
	c.flush()
	if d := c.dropped.Load(); d > c.reported {
		c.opts.failed(fmt.Errorf("capture: %w: %d calls not recorded", recorder.ErrQueueFull, d-c.reported))
		c.reported = d
	}
}

func (c *Capture) handle(rec *record) {
	var ex recorder.Exchange
	switch {
	case rec.g.stream != nil && c.batch != nil:
		c.fail(c.batch.Add(*rec.g.stream))
	case rec.g.stream != nil:
		c.fail(c.to.Append(*rec.g.stream))
	case c.batch != nil && rec.grpc:
		rec.exchange(&ex, &c.opts, c.max, false, &c.scratch)
		c.fail(c.batch.Add(ex))
		c.scratch.reset()
	case c.batch != nil:
		rec.exchange(&ex, &c.opts, c.max, true, nil)
		c.fail(c.batch.AddFields(ex, rec.reqHdr, rec.respHdr))
	default:
		rec.exchange(&ex, &c.opts, c.max, false, nil)
		c.fail(c.to.Append(ex))
	}
	if c.batch != nil && c.batch.Len() >= maxBatch {
		c.flush()
	}
	putRecord(rec)
}

func (c *Capture) flush() {
	if c.batch != nil {
		c.fail(c.batch.Flush())
	}
}

func (c *Capture) fail(err error) {
	if err == nil {
		return
	}
	c.errMu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.errMu.Unlock()
	c.opts.failed(err)
}
