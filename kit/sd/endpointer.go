package sd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrBadEndpointer is wrapped by the errors of an Endpointer built with a
// nil Instancer or Factory.
var ErrBadEndpointer = errors.New("sd: endpointer needs an Instancer and a Factory")

// ErrClosed is wrapped by the error an Endpointer returns after Close.
var ErrClosed = errors.New("sd: endpointer closed")

// ErrNoWholeSet is wrapped by the error Entries returns when the
// Instancer broke the Event contract with a delta the Endpointer had no
// whole set to apply to: changes before the first whole set, or a delta
// that clears Stale after InvalidateOnError dropped the entries. The
// Endpointer ignores such a delta and serves nothing until a whole set.
// (A stale delta after invalidation is no breach: it is ignored quietly,
// and the recovery brings a whole set.)
var ErrNoWholeSet = errors.New("sd: instancer sent changes before a whole set")

// EndpointerOption configures an Endpointer.
type EndpointerOption func(*Endpointer)

// InvalidateOnError makes the Endpointer drop the last known endpoints when
// the registry has been failing for timeout; callers then get
// ErrNoEndpoints until the registry answers again. A timeout of zero or less
// (the default) keeps serving the last known endpoints for as long as the
// registry is down.
func InvalidateOnError(timeout time.Duration) EndpointerOption {
	return func(e *Endpointer) { e.invalidateAfter = timeout }
}

// State describes an Endpointer's current set.
type State struct {
	Endpoints int // entries being served
	// Stale is true while the registry reports errors; the entries are the
	// last known ones (none once invalidated).
	Stale bool
	// Err is the registry's latest error while Stale, nil otherwise.
	Err error
	// Since is when the set became stale; zero while fresh.
	Since time.Time
	// Invalidated is true once InvalidateOnError dropped the entries.
	Invalidated bool
	// FactoryErr is the last error a Factory returned in the latest update;
	// the instance it failed for is left out, and asked for again at the
	// next event while it is still in the set.
	FactoryErr error
}

// Endpointer subscribes to an Instancer and turns its instances into
// endpoints through a Factory, keeping one cached Entry per instance (keyed
// by ID and address) and closing the entries of departed instances.
//
// Readers (balancers) get an immutable snapshot through one atomic load and
// never lock. A whole set is diffed against the current entries; a delta
// touches only the entries it names. Either way unchanged entries are
// reused, an instance that changes only tags, metadata or health keeps its
// entry (no new slice), and a new snapshot is published once per event.
type Endpointer struct {
	src             Instancer
	factory         Factory
	invalidateAfter time.Duration

	events  chan Event
	quit    chan struct{}
	stopped chan struct{}
	ready   chan struct{}
	once    sync.Once
	closeMu sync.Mutex
	closeEr error

	snap atomic.Pointer[snapshot]

	// Owned by the run goroutine.
	index   map[ikey]*Entry
	failed  map[ikey]*Instance // the Factory failed for these; retried on every event
	gen     uint64
	isReady bool
	based   bool // index mirrors a whole set, so deltas can apply to it
	hadSet  bool // a whole set was ever applied
	orphan  bool // a delta broke the contract (see ErrNoWholeSet)
}

type ikey struct{ id, addr string }

type snapshot struct {
	entries []*Entry
	err     error // returned by Entries when entries is empty
	state   State
}

// NewEndpointer starts an Endpointer that follows src and builds endpoints
// with f. Close it to stop its goroutine and close every cached endpoint;
// Close does not stop src, which the caller owns. With a nil src or f the
// Endpointer starts no goroutine and its Entries and Wait return
// ErrBadEndpointer.
func NewEndpointer(src Instancer, f Factory, opts ...EndpointerOption) *Endpointer {
	if src == nil || f == nil {
		e := &Endpointer{quit: make(chan struct{}), ready: make(chan struct{})}
		e.once.Do(func() {})
		close(e.quit)
		e.snap.Store(&snapshot{err: fmt.Errorf("%w: %w", ErrNoEndpoints, ErrBadEndpointer)})
		return e
	}
	e := &Endpointer{
		src:     src,
		factory: f,
		events:  make(chan Event, 1),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
		ready:   make(chan struct{}),
		index:   make(map[ikey]*Entry),
		failed:  make(map[ikey]*Instance),
	}
	for _, o := range opts {
		o(e)
	}
	e.snap.Store(&snapshot{err: ErrNoEndpoints})
	go e.run()
	src.Register(e.events)
	return e
}

// Entries returns the current entries, or ErrNoEndpoints (possibly wrapped
// with the reason) when there are none. The slice is shared: callers must
// not modify it. Entries does not allocate.
func (e *Endpointer) Entries() ([]*Entry, error) {
	s := e.snap.Load()
	if len(s.entries) == 0 {
		return nil, s.err
	}
	return s.entries, nil
}

// State reports whether the entries are fresh or stale, and why.
func (e *Endpointer) State() State { return e.snap.Load().state }

// Wait blocks until the Endpointer has applied the first event from its
// Instancer, ctx is done, or the Endpointer is closed.
func (e *Endpointer) Wait(ctx context.Context) error {
	select {
	case <-e.ready:
		return nil
	case <-e.quit:
		_, err := e.Entries()
		if errors.Is(err, ErrBadEndpointer) {
			return ErrBadEndpointer
		}
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close deregisters from the Instancer, stops the Endpointer's goroutine and
// closes every cached endpoint, returning their Close errors joined. It is
// safe to call more than once.
func (e *Endpointer) Close() error {
	e.once.Do(func() {
		e.src.Deregister(e.events)
		close(e.quit)
		<-e.stopped
		var errs []error
		for _, en := range e.index {
			errs = append(errs, closeEntry(en))
		}
		clear(e.index)
		e.snap.Store(&snapshot{err: fmt.Errorf("%w: %w", ErrNoEndpoints, ErrClosed)})
		e.closeMu.Lock()
		e.closeEr = errors.Join(errs...)
		e.closeMu.Unlock()
	})
	e.closeMu.Lock()
	defer e.closeMu.Unlock()
	return e.closeEr
}

func closeEntry(en *Entry) error {
	if en.closer == nil {
		return nil
	}
	return en.closer.Close()
}

func (e *Endpointer) run() {
	defer close(e.stopped)
	var timer *time.Timer
	var expired <-chan time.Time
	stopTimer := func() {
		if timer != nil {
			timer.Stop()
			timer, expired = nil, nil
		}
	}
	defer stopTimer()
	for {
		select {
		case ev := <-e.events:
			e.apply(ev)
			stale := ev.Err != nil || ev.Stale
			switch {
			case !stale:
				stopTimer()
			case timer == nil && e.invalidateAfter > 0 && !e.snap.Load().state.Invalidated:
				timer = time.NewTimer(e.invalidateAfter)
				expired = timer.C
			}
			if !e.isReady {
				e.isReady = true
				close(e.ready)
			}
		case <-expired:
			timer, expired = nil, nil
			e.invalidate()
		case <-e.quit:
			return
		}
	}
}

// apply handles one event. A healthy whole set replaces the set; a stale
// one keeps the current entries and marks them stale. A stale whole set's
// last known instances are adopted only when the Endpointer has none and
// has not invalidated its set: invalidation is not undone by the
// registry's own stale copy. A delta, stale or not, is applied to the
// current entries when they mirror a whole set, and otherwise ignored.
func (e *Endpointer) apply(ev Event) {
	cur := e.snap.Load()
	st := cur.state
	st.FactoryErr = nil
	entries := cur.entries
	stale := ev.Err != nil || ev.Stale
	switch {
	case ev.Delta && e.based:
		entries = e.patch(cur.entries, ev, &st)
	case ev.Delta:
		changes := len(ev.Removed) > 0 || len(ev.Instances) > 0
		e.orphan = e.orphan || !stale || (changes && !e.hadSet)
	case !stale || (len(entries) == 0 && !st.Invalidated):
		entries = e.update(cur.entries, ev.Instances, &st)
		e.based, e.hadSet, e.orphan = true, true, false
	}
	if stale {
		if !st.Stale {
			st.Since = time.Now()
		}
		st.Stale, st.Err = true, ev.Err
	} else {
		st.Stale, st.Err, st.Since, st.Invalidated = false, nil, time.Time{}, false
	}
	if len(entries) > 0 {
		st.Invalidated = false
	}
	st.Endpoints = len(entries)
	next := &snapshot{entries: entries, err: ErrNoEndpoints, state: st}
	switch {
	case len(entries) > 0:
	case e.orphan:
		next.err = fmt.Errorf("%w: %w", ErrNoEndpoints, ErrNoWholeSet)
	case st.Stale:
		next.err = fmt.Errorf("%w: registry error since %s: %w", ErrNoEndpoints, st.Since.Format(time.RFC3339), staleCause(st))
	}
	e.snap.Store(next)
}

// errStale stands in for the cause of an event marked Stale without an Err.
var errStale = errors.New("instances reported stale")

func staleCause(st State) error {
	if st.Err != nil {
		return st.Err
	}
	return errStale
}

// invalidate drops every entry after the registry stayed down too long.
func (e *Endpointer) invalidate() {
	cur := e.snap.Load()
	for _, en := range cur.entries {
		_ = closeEntry(en) // errors of departed entries have nobody to go to
	}
	clear(e.index)
	clear(e.failed)
	e.based = false
	st := cur.state
	st.Endpoints, st.Invalidated = 0, true
	err := fmt.Errorf("%w: invalidated after registry error since %s: %w", ErrNoEndpoints, st.Since.Format(time.RFC3339), staleCause(st))
	e.snap.Store(&snapshot{err: err, state: st})
}

// update diffs insts against prev (in the Instancer's order) and returns the
// new entry slice. Unchanged runs are matched positionally, so a set that
// changes by one instance costs one pass of string compares and a single
// new slice; the index map is consulted only where the order diverges.
func (e *Endpointer) update(prev []*Entry, insts []Instance, st *State) []*Entry {
	e.gen++
	gen := e.gen
	clear(e.failed)
	var next []*Entry // nil while the result is still a prefix of prev
	same := 0         // length of that prefix
	j := 0            // next position in prev to try
	changed := false
	for i := range insts {
		inst := &insts[i]
		var en *Entry
		if j < len(prev) && sameKey(prev[j].inst.Load(), inst) {
			en = prev[j]
		} else if found, ok := e.index[ikey{inst.ID, inst.Address}]; ok {
			en = found
		}
		if en != nil {
			if en.gen == gen {
				continue // duplicate in the event
			}
			j = en.pos + 1
			en.gen = gen
			en.inst.Store(inst)
		} else {
			if en = e.make(inst, st); en == nil {
				continue
			}
			en.gen = gen
		}
		if next == nil {
			if same < len(prev) && prev[same] == en {
				same++
				continue
			}
			next = make([]*Entry, same, len(insts))
			copy(next, prev[:same])
			changed = true
		}
		next = append(next, en)
	}
	for _, en := range prev {
		if en.gen != gen {
			changed = true
			old := en.inst.Load()
			delete(e.index, ikey{old.ID, old.Address})
			_ = closeEntry(en)
		}
	}
	if next == nil {
		if !changed {
			return prev
		}
		next = prev[:same:same]
	}
	for i, en := range next {
		en.pos = i
	}
	return next
}

func sameKey(a, b *Instance) bool { return a.ID == b.ID && a.Address == b.Address }

// make builds and indexes the entry of inst, or records the Factory's
// failure in st and in the failed set and returns nil.
func (e *Endpointer) make(inst *Instance, st *State) *Entry {
	k := ikey{inst.ID, inst.Address}
	ep, closer, err := e.factory(*inst)
	if err == nil && ep == nil {
		err = fmt.Errorf("sd: factory returned a nil endpoint for %s", inst.Address)
		if closer != nil {
			_ = closer.Close()
		}
	}
	if err != nil {
		st.FactoryErr = err
		e.failed[k] = inst
		return nil
	}
	delete(e.failed, k)
	en := newEntry(inst, ep, closer)
	e.index[k] = en
	return en
}
