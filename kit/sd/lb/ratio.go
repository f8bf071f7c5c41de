package lb

import (
	"time"

	"github.com/kitbench/kitbench/kit/sd"
)

// windowSteps is how many snapshots the FailureRatio window keeps: one is
// taken every Window/windowSteps, and the oldest is the window's start.
const windowSteps = 4

// tally is an entry's cumulative outcomes (sd.Stats) at one moment.
type tally struct{ successes, failures uint64 }

func tallyOf(st sd.Stats) tally { return tally{st.Successes, st.TotalFailures} }

// window holds the snapshots FailureRatio is judged on. It is published
// whole and never changed: a Pick reads it without a lock.
type window struct {
	next  time.Time  // when the next snapshot is due
	snaps []snapshot // oldest first
}

// snapshot is every entry's tally at one moment, for the entries in the
// set then.
type snapshot struct {
	slot    time.Time // when it was due; taken then or a little after
	tallies map[*sd.Entry]tally
}

// windowAt returns the window at now, first taking a snapshot if one is
// due. Snapshots are due on a grid of Window/windowSteps; a window keeps
// the last windowSteps slots of it, so its start is never more than Window
// before now and, while Picks keep coming, at least three quarters of it.
func (o *Outlier) windowAt(now time.Time) *window {
	if w := o.win.Load(); w != nil && now.Before(w.next) {
		return w
	}
	o.winMu.Lock()
	defer o.winMu.Unlock()
	w := o.win.Load()
	if w != nil && now.Before(w.next) {
		return w // taken by a concurrent Pick
	}
	step := o.cfg.Window / windowSteps
	slot := now.Truncate(step)
	nw := &window{next: slot.Add(step), snaps: make([]snapshot, 0, windowSteps)}
	if w != nil {
		for _, s := range w.snaps {
			if slot.Sub(s.slot) < windowSteps*step {
				nw.snaps = append(nw.snaps, s)
			}
		}
	}
	entries, _ := o.src.Entries()
	tallies := make(map[*sd.Entry]tally, len(entries))
	for _, e := range entries {
		tallies[e] = tallyOf(e.Stats())
	}
	nw.snaps = append(nw.snaps, snapshot{slot: slot, tallies: tallies})
	o.win.Store(nw)
	return nw
}

// start is e's tally at the window's start: zero for an entry that
// joined the set since, all of whose calls are in the window.
func (w *window) start(e *sd.Entry) tally { return w.snaps[0].tallies[e] }

// judge reports whether e's stats warrant an ejection by either rule. It
// neither locks nor allocates, but for the FailureRatio snapshot due once
// a quarter window.
func (o *Outlier) judge(e *sd.Entry, st sd.Stats, now time.Time) bool {
	if st.Failures >= o.cfg.Consecutive {
		return true
	}
	if o.minFailures == 0 {
		return false
	}
	w := o.windowAt(now) // on every Pick, so that snapshots keep their pace
	if st.TotalFailures < o.minFailures {
		return false
	}
	_, ok := o.ratioVerdict(tallyOf(st), w.start(e))
	return ok
}

// ratioVerdict judges the outcomes between start and now by FailureRatio
// and MinRequests.
func (o *Outlier) ratioVerdict(now, start tally) (verdict, bool) {
	if now.successes < start.successes || now.failures < start.failures {
		return verdict{}, false // start was read after now
	}
	failures := now.failures - start.failures
	calls := failures + now.successes - start.successes
	if failures == 0 || calls < uint64(o.cfg.MinRequests) || float64(failures)/float64(calls) < o.cfg.FailureRatio {
		return verdict{}, false
	}
	return verdict{reason: ReasonFailureRatio, failures: int(failures), requests: int(calls)}, true
}

// verdictLocked decides whether e's stats st warrant an ejection, leaving
// out the calls before its last ejection (r, if it is e's).
func (o *Outlier) verdictLocked(e *sd.Entry, st sd.Stats, now time.Time, r *record) (verdict, bool) {
	mine := r != nil && r.entry == e
	if st.Failures >= o.cfg.Consecutive &&
		(!mine || st.Successes != r.at.Successes || st.Failures-r.at.Failures >= o.cfg.Consecutive) {
		return verdict{reason: ReasonConsecutive, failures: st.Failures, requests: st.Failures}, true
	}
	if o.minFailures == 0 || st.TotalFailures < o.minFailures {
		return verdict{}, false
	}
	start := o.windowAt(now).start(e)
	if mine {
		if at := tallyOf(r.at); at.successes+at.failures > start.successes+start.failures {
			start = at
		}
	}
	return o.ratioVerdict(tallyOf(st), start)
}
