package devregistry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// query holds the parameters common to blocking endpoints.
type query struct {
	index uint64
	wait  time.Duration
}

func parseQuery(req *http.Request) (query, error) {
	v := req.URL.Query()
	if v.Get("filter") != "" {
		return query{}, fmt.Errorf("%w: the dev registry does not support filter expressions", ErrBadRequest)
	}
	if dc := v.Get("dc"); dc != "" && dc != datacenter {
		return query{}, fmt.Errorf("no path to datacenter %q", dc)
	}
	q := query{wait: defaultWait}
	if s := v.Get("index"); s != "" {
		i, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return query{}, fmt.Errorf("%w: invalid index %q", ErrBadRequest, s)
		}
		q.index = i
	}
	if s := v.Get("wait"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return query{}, fmt.Errorf("%w: invalid wait time %q", ErrBadRequest, s)
		}
		q.wait = min(d, maxWait)
	}
	return q, nil
}

// await blocks while the watched index is at most q.index, as a Consul
// blocking query does: until a change, the wait time (plus up to 1/16 of
// it as jitter), the client going away, or the registry closing. cur runs
// under r.mu and returns the current index and the channel closed when it
// moves. It returns ErrTooManyQueries, at once, when the query would wait
// beyond Options.MaxBlockingQueries.
func (r *Registry) await(ctx context.Context, q query, cur func() (uint64, chan struct{})) error {
	if q.index == 0 {
		return nil
	}
	var timer *time.Timer
	for {
		r.mu.Lock()
		idx, ch := cur()
		r.mu.Unlock()
		if idx > q.index {
			return nil
		}
		if timer == nil {
			if err := r.park(); err != nil {
				return err
			}
			defer r.unpark()
			timer = time.NewTimer(q.wait + rand.N(q.wait/16+1))
			defer timer.Stop()
		}
		select {
		case <-ch:
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return nil
		case <-r.closing:
			return nil
		}
	}
}
