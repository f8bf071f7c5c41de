package ratelimit

import (
	"sync"
	"time"

	"github.com/kitbench/kitbench/kit/introspect"
)

// eventInterval is the least time between two rejection events of one
// limiter.
const eventInterval = time.Second

// coalescer turns a stream of rejections into at most one event per
// eventInterval. The first rejection after a quiet interval is published at
// once; later ones within the interval are published together when it
// ends, by a timer that exists only while such rejections are waiting, so
// a limiter needs no Close.
type coalescer struct {
	l        *Limiter
	mu       sync.Mutex
	last     time.Time // when the previous event was published
	reported uint64    // the rejection total it carried
	pending  *time.Timer
}

func (c *coalescer) rejected(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending != nil {
		return // the pending flush will carry this one
	}
	if wait := eventInterval - now.Sub(c.last); !c.last.IsZero() && wait > 0 {
		c.pending = time.AfterFunc(wait, c.flush)
		return
	}
	c.publish(now)
}

func (c *coalescer) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = nil
	if c.l.rejected.Load() > c.reported {
		c.publish(time.Now())
	}
}

// publish sends one event with the rejections since the previous one;
// c.mu is held. Registry.Publish never blocks.
func (c *coalescer) publish(now time.Time) {
	total := c.l.rejected.Load()
	c.l.reg.Publish(introspect.Event{Type: introspect.EventLimiter, Limiter: &introspect.LimiterRejections{
		Name: c.l.name, Time: now, Rejected: total - c.reported, Total: total,
	}})
	c.last, c.reported = now, total
}
