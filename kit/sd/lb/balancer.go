package lb

import (
	"math/rand/v2"
	"sync/atomic"

	"github.com/kitbench/kitbench/kit/sd"
)

// Source is the set balancers choose from; *sd.Endpointer implements it.
// Entries must be cheap (balancers call it on every Pick), must not allocate,
// and returns sd.ErrNoEndpoints, possibly wrapped, when the set is empty. The
// returned slice is never modified by balancers.
type Source interface {
	Entries() ([]*sd.Entry, error)
}

// orEmpty turns a nil Source into one with no entries.
func orEmpty(src Source) Source {
	if src == nil {
		return empty{}
	}
	return src
}

type empty struct{}

func (empty) Entries() ([]*sd.Entry, error) { return nil, sd.ErrNoEndpoints }

// Balancer chooses the entry to call. Pick returns the chosen entry, so the
// caller knows which instance it called (for spans, logs and outlier
// accounting) and calls entry.Endpoint. Balancers are safe for concurrent
// use.
type Balancer interface {
	Pick() (*sd.Entry, error)
}

// NewRoundRobin returns a Balancer that cycles through the entries in order.
// When the set changes the cycle continues from the same counter, so a
// position may be skipped or repeated once.
func NewRoundRobin(src Source) Balancer { return &roundRobin{src: orEmpty(src)} }

type roundRobin struct {
	src  Source
	next atomic.Uint64
}

func (r *roundRobin) Pick() (*sd.Entry, error) {
	es, err := r.src.Entries()
	if err != nil {
		return nil, err
	}
	n := r.next.Add(1) - 1
	return es[n%uint64(len(es))], nil
}

// NewRandom returns a Balancer that chooses an entry uniformly at random,
// with the runtime's per-thread generator (math/rand/v2), so concurrent
// Picks share no source and no lock.
func NewRandom(src Source) Balancer { return random{src: orEmpty(src)} }

type random struct{ src Source }

func (r random) Pick() (*sd.Entry, error) {
	es, err := r.src.Entries()
	if err != nil {
		return nil, err
	}
	return es[rand.IntN(len(es))], nil
}

// NewP2C returns a power-of-two-choices Balancer: it draws two distinct
// entries at random and picks the one with fewer calls in flight
// (sd.Stats.InFlight), which steers load away from slow instances at the cost
// of two random draws.
func NewP2C(src Source) Balancer { return p2c{src: orEmpty(src)} }

type p2c struct{ src Source }

func (p p2c) Pick() (*sd.Entry, error) {
	es, err := p.src.Entries()
	if err != nil {
		return nil, err
	}
	n := len(es)
	if n == 1 {
		return es[0], nil
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	a, b := es[i], es[j]
	if b.Stats().InFlight < a.Stats().InFlight {
		return b, nil
	}
	return a, nil
}
