package recorder

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrQueueFull is returned by Queue.Append when the queue holds Capacity
// exchanges; the exchange is dropped and counted.
var ErrQueueFull = errors.New("recorder: queue full, exchange dropped")

// QueueOptions configure a Queue. The zero value holds 4096 exchanges and
// writes every 10 ms.
type QueueOptions struct {
	// Capacity is how many exchanges may wait; zero means 4096.
	Capacity int
	// Interval is how often waiting exchanges are written; zero means
	// 10 ms. A queue half full is written at once.
	Interval time.Duration
}

// Queue is an Appender for hot paths, such as capture in a busy service:
// Append redacts and encodes the exchange (so nothing of it is kept past
// the call) and hands the line over, and a goroutine of the Queue's own
// writes every waiting line in one write(2) every Interval. Each line is still written whole, so a file never holds half
// an exchange, but a crash loses what is waiting: at most one Interval's
// exchanges (and at most Capacity). Where every exchange must be on disk
// when Append returns, use the Writer directly.
type Queue struct {
	w       *Writer
	ch      chan *[]byte
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	dropped atomic.Int64
	mu      sync.Mutex
	err     error // the first write error
}

// NewQueue starts a Queue in front of w. Close it (before closing w) to
// write what waits and stop its goroutine.
func NewQueue(w *Writer, opts QueueOptions) *Queue {
	capacity, interval := opts.Capacity, opts.Interval
	if capacity <= 0 {
		capacity = 4096
	}
	if interval <= 0 {
		interval = 10 * time.Millisecond
	}
	q := &Queue{w: w, ch: make(chan *[]byte, capacity), kick: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	go q.run(interval)
	return q
}

// Append redacts and encodes ex and queues its line without waiting. A
// full queue drops ex and returns ErrQueueFull; a closed one returns
// ErrClosed; an exchange that cannot be encoded is an error as with
// Writer.Append.
func (q *Queue) Append(ex Exchange) error {
	select {
	case <-q.stop:
		return ErrClosed
	default:
	}
	bp := lineBufs.Get().(*[]byte)
	line, err := q.w.encode((*bp)[:0], &ex, nil, nil)
	*bp = line
	if err != nil {
		putLineBuf(bp)
		return err
	}
	select {
	case q.ch <- bp:
	default:
		putLineBuf(bp)
		q.dropped.Add(1)
		return ErrQueueFull
	}
	if len(q.ch) > cap(q.ch)/2 {
		select {
		case q.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Dropped is how many exchanges a full queue has dropped.
func (q *Queue) Dropped() int64 { return q.dropped.Load() }

// Close writes what waits, stops the goroutine and returns the first
// error writing met. It does not close the Writer. Appends racing with
// Close may be dropped (ErrClosed).
func (q *Queue) Close() error {
	q.once.Do(func() { close(q.stop) })
	<-q.done
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

func (q *Queue) run(interval time.Duration) {
	defer close(q.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	var buf []byte
	for {
		select {
		case <-t.C:
		case <-q.kick:
		case <-q.stop:
			q.flush(&buf)
			return
		}
		q.flush(&buf)
	}
}

// flush writes every waiting exchange in one Write.
func (q *Queue) flush(buf *[]byte) {
	b := append((*buf)[:0], '\n')
	for n := len(q.ch); n > 0; n-- {
		bp := <-q.ch
		b = append(b, *bp...)
		putLineBuf(bp)
	}
	if len(b) > 1 {
		q.fail(q.w.write(b))
	}
	if cap(b) <= 4<<20 {
		*buf = b
	} else {
		*buf = nil
	}
}

func (q *Queue) fail(err error) {
	if err == nil {
		return
	}
	q.mu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.mu.Unlock()
}
