package lb

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/kitbench/kitbench/kit/sd"
)

// EventEject is the name of the span event an Outlier records on the
// calling span (see PickContext) when it ejects an instance.
const EventEject = "lb.eject"

// Outlier is a Balancer that skips instances that keep failing. It wraps
// another Balancer over the same Source: a picked instance that has failed
// Consecutive times in a row since it last succeeded (or since its last
// ejection), or, with FailureRatio set, whose share of failures over the
// window has reached it, is ejected, and the pick is made again. Ejection
// is decided on the Pick after the failures, never by a goroutine of its
// own; an ejected instance returns when its time is up.
//
// For FailureRatio the Outlier keeps snapshots of every entry's cumulative
// counts (sd.Stats), taken by the first Pick of each quarter of the
// window: at most four per entry, of the entries in the set when they were
// taken, so an entry that leaves is forgotten within a window. Taking one
// costs that Pick a pass over the set.
//
// When every instance fails, at most MaxPercent of them are ejected and the
// rest keep being served: ejection moves load away from a few bad instances,
// it never leaves the caller with nothing to call.
type Outlier struct {
	next Balancer
	src  Source
	cfg  OutlierConfig

	ejected atomic.Pointer[ejectSet] // nil while nothing is ejected

	win         atomic.Pointer[window] // nil until the first Pick with FailureRatio
	winMu       sync.Mutex             // serializes snapshots
	minFailures uint64                 // no fewer failures can reach FailureRatio

	mu   sync.Mutex
	recs map[string]*record // by sd.Entry.Key, for recently ejected instances
}

type ejectSet map[*sd.Entry]time.Time // entry → until

type record struct {
	entry    *sd.Entry
	id, addr string
	count    int
	until    time.Time
	why      verdict  // the last ejection's
	at       sd.Stats // the entry's stats at the last ejection
}

func (r *record) ejection() Ejection {
	return Ejection{ID: r.id, Address: r.addr, Until: r.until, Count: r.count,
		Reason: r.why.reason, Failures: r.why.failures, Requests: r.why.requests}
}

// verdict is why a Pick would eject an entry.
type verdict struct {
	reason             string
	failures, requests int
}

// NewOutlier returns an Outlier that picks through next, a Balancer over
// src; a nil next means NewRoundRobin(src).
func NewOutlier(src Source, next Balancer, cfg OutlierConfig) *Outlier {
	src = orEmpty(src)
	if next == nil {
		next = NewRoundRobin(src)
	}
	if cfg.Consecutive <= 0 {
		cfg.Consecutive = 5
	}
	if cfg.BaseEjection <= 0 {
		cfg.BaseEjection = 30 * time.Second
	}
	if cfg.MaxEjection <= 0 {
		cfg.MaxEjection = 300 * time.Second
	}
	if cfg.ResetAfter <= 0 {
		cfg.ResetAfter = cfg.MaxEjection
	}
	if cfg.MaxPercent <= 0 {
		cfg.MaxPercent = 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &Outlier{next: next, src: src, recs: map[string]*record{}}
	if cfg.FailureRatio > 0 { // false for NaN
		cfg.FailureRatio = min(cfg.FailureRatio, 1)
		if cfg.MinRequests <= 0 {
			cfg.MinRequests = 20
		}
		if cfg.Window <= 0 {
			cfg.Window = 10 * time.Second
		}
		cfg.Window = max(cfg.Window, time.Second)
		o.minFailures = max(1, uint64(cfg.FailureRatio*float64(cfg.MinRequests)))
	} else {
		cfg.FailureRatio, cfg.MinRequests, cfg.Window = 0, 0, 0
	}
	o.cfg = cfg
	return o
}

// Config returns the configuration in force: cfg as given to NewOutlier,
// each zero field replaced by its default (MinRequests and Window stay
// zero while FailureRatio is off).
func (o *Outlier) Config() OutlierConfig { return o.cfg }

// Pick chooses an entry that is not ejected. If every draw lands on an
// ejected entry it returns the first one drawn rather than nothing.
func (o *Outlier) Pick() (*sd.Entry, error) { return o.PickContext(context.Background()) }

// PickContext is Pick on behalf of the call in ctx: an ejection it decides
// is recorded as an EventEject event on ctx's span, if that span is
// recording, and passed to OnEject with ctx. Retry picks through it.
func (o *Outlier) PickContext(ctx context.Context) (*sd.Entry, error) {
	set := o.ejected.Load()
	tries := 1
	if set != nil {
		tries += min(len(*set), 8)
	}
	var now time.Time
	if set != nil || o.minFailures > 0 {
		now = o.cfg.Now()
	}
	var first *sd.Entry
	for try := 0; try < tries; try++ {
		e, err := o.next.Pick()
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = e
		}
		if set != nil {
			if until, ok := (*set)[e]; ok {
				if now.Before(until) {
					continue
				}
				o.prune()
			}
		}
		if st := e.Stats(); o.judge(e, st, now) && o.eject(ctx, e, st, now) {
			set = o.ejected.Load()
			if first == e {
				first = nil
			}
			tries++ // draw again; ejections are capped, so this ends
			continue
		}
		return e, nil
	}
	// Every draw landed on an ejected instance (likely when the balancer
	// draws at random from a small fleet): look for a live one before
	// falling back to the first draw, so an ejected instance is only used
	// when nothing else is left.
	if live := o.live(set); live != nil {
		return live, nil
	}
	return first, nil
}

// live returns an entry that is not ejected, starting the scan at a random
// position so the fallback does not always favour the same instance; nil if
// there is none.
func (o *Outlier) live(set *ejectSet) *sd.Entry {
	entries, err := o.src.Entries()
	if err != nil || len(entries) == 0 {
		return nil
	}
	now := o.cfg.Now()
	start := rand.IntN(len(entries))
	for i := range entries {
		e := entries[(start+i)%len(entries)]
		if set != nil {
			if until, ok := (*set)[e]; ok && now.Before(until) {
				continue
			}
		}
		return e
	}
	return nil
}

// eject ejects e if its failures warrant it and the cap allows; it reports
// whether e is ejected now. A new ejection is reported on ctx's span and to
// OnEject once the lock is released.
func (o *Outlier) eject(ctx context.Context, e *sd.Entry, st sd.Stats, now time.Time) bool {
	ev, ejected, fresh := o.ejectLocked(e, st, now)
	if !fresh {
		return ejected
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(EventEject, trace.WithAttributes(
			attribute.String("instance.id", ev.ID),
			attribute.String("instance.address", ev.Address),
			attribute.Int("ejection.count", ev.Count),
			attribute.String("ejection.until", ev.Until.UTC().Format(time.RFC3339Nano)),
			attribute.String("ejection.reason", ev.Reason),
			attribute.Int("ejection.failures", ev.Failures),
			attribute.Int("ejection.requests", ev.Requests)))
	}
	if o.cfg.OnEject != nil {
		o.cfg.OnEject(ctx, ev)
	}
	return true
}

// ejectLocked takes the lock and decides: ejected says whether e is ejected
// now, fresh whether this call ejected it (ev describes the ejection then).
func (o *Outlier) ejectLocked(e *sd.Entry, st sd.Stats, now time.Time) (ev Ejection, ejected, fresh bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if now.IsZero() {
		now = o.cfg.Now()
	}
	o.expireLocked(now)
	r := o.recs[e.Key()]
	if r != nil && r.entry == e && now.Before(r.until) {
		return ev, true, false // ejected by a concurrent Pick
	}
	why, ok := o.verdictLocked(e, st, now, r)
	if !ok {
		return ev, false, false
	}
	active := 0
	for _, x := range o.recs {
		if now.Before(x.until) {
			active++
		}
	}
	es, _ := o.src.Entries()
	if active >= max(1, len(es)*o.cfg.MaxPercent/100) {
		return ev, false, false
	}
	if r == nil {
		inst := e.Instance()
		r = &record{id: inst.ID, addr: inst.Address}
		o.recs[e.Key()] = r
	}
	r.entry = e
	r.count++
	r.until = now.Add(min(o.cfg.BaseEjection*time.Duration(r.count), o.cfg.MaxEjection))
	r.why, r.at = why, st
	o.publishLocked(now)
	ev = r.ejection()
	if o.cfg.Notify != nil {
		select {
		case o.cfg.Notify <- ev:
		default:
		}
	}
	return ev, true, true
}

// prune republishes the ejected set without the entries whose time is up.
func (o *Outlier) prune() {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.cfg.Now()
	o.expireLocked(now)
	o.publishLocked(now)
}

// expireLocked forgets instances that have succeeded and stayed in service
// for ResetAfter since their last ejection ended, and records untouched for
// ten times MaxEjection (instances that left the set).
func (o *Outlier) expireLocked(now time.Time) {
	for k, r := range o.recs {
		healthy := r.entry.Stats().Successes != r.at.Successes
		if (healthy && !now.Before(r.until.Add(o.cfg.ResetAfter))) || !now.Before(r.until.Add(10*o.cfg.MaxEjection)) {
			delete(o.recs, k)
		}
	}
}

func (o *Outlier) publishLocked(now time.Time) {
	set := ejectSet{}
	for _, r := range o.recs {
		if now.Before(r.until) {
			set[r.entry] = r.until
		}
	}
	if len(set) == 0 {
		o.ejected.Store(nil)
		return
	}
	o.ejected.Store(&set)
}

// Ejected returns the instances ejected now, soonest to return first.
func (o *Outlier) Ejected() []Ejection {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.cfg.Now()
	var out []Ejection
	for _, r := range o.recs {
		if now.Before(r.until) {
			out = append(out, r.ejection())
		}
	}
	slices.SortFunc(out, func(a, b Ejection) int {
		return cmp.Or(a.Until.Compare(b.Until), cmp.Compare(a.Address, b.Address), cmp.Compare(a.ID, b.ID))
	})
	return out
}
