package fleetsim

import "time"

// trafficTick is how often the driver makes its calls.
const trafficTick = 100 * time.Millisecond

// drive calls every instance's endpoints at Options.Rate until Close.
// Calls run in-process, straight into each instance's middleware chain.
func (f *Fleet) drive() {
	defer f.wg.Done()
	t := time.NewTicker(trafficTick)
	defer t.Stop()
	perTick := f.opts.Rate * trafficTick.Seconds()
	credit := 0.0 // fractional calls carried to the next tick, fleet-wide per instance
	var batch []*instance
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-t.C:
		}
		credit += perTick
		n := int(credit)
		credit -= float64(n)
		if n == 0 {
			continue
		}
		f.mu.Lock()
		batch = append(batch[:0], f.insts...)
		f.mu.Unlock()
		for _, in := range batch {
			for range n {
				c := in.calls.Load()
				if f.opts.FailEvery > 0 && c%uint64(f.opts.FailEvery) == uint64(f.opts.FailEvery-1) {
					in.failNext.Store(true)
				}
				in.callOnce(f.ctx, int(c))
			}
		}
	}
}
