package hub

import (
	"testing"
	"testing/synctest"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/introspect"
)

// controlHub is a hub with one instance and its probe, fed by hand: the
// tests drive onIntro as the instance's follower would.
func controlHub(t *testing.T) (*Hub, Key, *probe, *Subscription) {
	t.Helper()
	k := Key{"bookstore", "bookstore-2"}
	h := &Hub{subs: map[*Subscription]struct{}{}, insts: map[Key]*instance{}, changed: make(chan struct{}), spans: newRing(16)}
	p := &probe{}
	h.insts[k] = &instance{inst: Instance{Key: k, State: StateUp}, breakers: map[string]wire.Breaker{},
		limiters: map[string]wire.Limiter{}, probe: p}
	return h, k, p, h.Subscribe(0)
}

// controlsOf drains sub and returns the last ControlUpdate in it.
func controlsOf(t *testing.T, sub *Subscription) (ControlUpdate, bool) {
	t.Helper()
	var last ControlUpdate
	found := false
	for _, m := range drain(sub) {
		if c, ok := m.(ControlUpdate); ok {
			last, found = c, true
		}
	}
	return last, found
}

func fault(target string, now time.Time, ttl time.Duration) wire.Control {
	return wire.Control{Kind: wire.ControlFault, Target: target, Fault: &wire.Fault{ErrorRate: 1},
		SetAt: now, Until: now.Add(ttl), By: "alice via kitbench"}
}

func snapshotControls(h *Hub) []wire.Control { return h.Snapshot().Instances[0].Controls }

// Controls read from /info (the poll) are kept with their expiry, those
// already past are not, and a later /info replaces the list.
func TestControlsFromInfo(t *testing.T) {
	h, k, p, sub := controlHub(t)
	now := time.Now()
	info := wire.Info{Controls: []wire.Control{fault("GetBook", now, 40*time.Second), fault("ListBooks", now, -time.Second)}}
	h.onIntro(k, p, introspect.Update{Kind: introspect.KindInfo, Info: info})
	cu, ok := controlsOf(t, sub)
	if !ok || len(cu.Controls) != 1 || cu.Controls[0].Target != "GetBook" || cu.Change != nil || cu.Key != k {
		t.Fatalf("after /info: %+v (sent %v), want GetBook alone, no change", cu, ok)
	}
	if got := snapshotControls(h); len(got) != 1 || !got[0].Until.Equal(now.Add(40*time.Second)) {
		t.Fatalf("snapshot controls %+v", got)
	}
	// The same list again says nothing new.
	h.onIntro(k, p, introspect.Update{Kind: introspect.KindInfo, Info: info})
	if cu, ok := controlsOf(t, sub); ok {
		t.Fatalf("an unchanged /info published %+v", cu)
	}
	h.onIntro(k, p, introspect.Update{Kind: introspect.KindInfo, Info: wire.Info{}})
	if cu, ok := controlsOf(t, sub); !ok || len(cu.Controls) != 0 {
		t.Fatalf("an /info without controls: %+v (sent %v)", cu, ok)
	}
}

// Control events set, replace and clear controls, and a breaker reset
// ends the breaker's forced state; each update carries the change.
func TestControlsFromEvents(t *testing.T) {
	h, k, p, sub := controlHub(t)
	now := time.Now()
	event := func(action string, c wire.Control) {
		h.onIntro(k, p, introspect.Update{Kind: introspect.KindEvent, Event: wire.Event{Type: wire.EventControl,
			Control: &wire.ControlChange{Action: action, Time: now, Control: c}}})
	}
	forced := wire.Control{Kind: wire.ControlBreaker, Target: "GetBook", Breaker: wire.BreakerForceOpen, SetAt: now, Until: now.Add(2 * time.Minute)}
	event(wire.ControlSet, fault("GetBook", now, 40*time.Second))
	event(wire.ControlSet, forced)
	cu, _ := controlsOf(t, sub)
	if len(cu.Controls) != 2 || cu.Controls[0].Kind != wire.ControlBreaker || cu.Change == nil || cu.Change.Control.Kind != wire.ControlBreaker {
		t.Fatalf("after two sets: %+v", cu)
	}
	// A set on the same target replaces the control.
	event(wire.ControlSet, fault("GetBook", now, 90*time.Second))
	if got := snapshotControls(h); len(got) != 2 || !got[1].Until.Equal(now.Add(90*time.Second)) {
		t.Fatalf("after a replacing set: %+v", got)
	}
	event(wire.ControlReset, wire.Control{Kind: wire.ControlBreaker, Target: "GetBook", Breaker: wire.BreakerReset})
	event(wire.ControlCleared, fault("GetBook", now, 90*time.Second))
	cu, _ = controlsOf(t, sub)
	if len(cu.Controls) != 0 || cu.Change == nil || cu.Change.Action != wire.ControlCleared {
		t.Fatalf("after reset and clear: %+v", cu)
	}
	if got := snapshotControls(h); len(got) != 0 {
		t.Fatalf("snapshot after reset and clear: %+v", got)
	}
}

// A control whose time has passed leaves the hub by the clock, though no
// expiry event came: the snapshot at once, the subscribers at the
// instance's next news.
func TestControlsExpireByTheirTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, k, p, sub := controlHub(t)
		now := time.Now()
		h.onIntro(k, p, introspect.Update{Kind: introspect.KindInfo, Info: wire.Info{Controls: []wire.Control{
			fault("GetBook", now, 40*time.Second), fault("ListBooks", now, 2*time.Minute)}}})
		drain(sub)
		time.Sleep(41 * time.Second)
		if got := snapshotControls(h); len(got) != 1 || got[0].Target != "ListBooks" {
			t.Fatalf("snapshot 41s later: %+v", got)
		}
		h.onIntro(k, p, introspect.Update{Kind: introspect.KindBreakers})
		cu, ok := controlsOf(t, sub)
		if !ok || len(cu.Controls) != 1 || cu.Controls[0].Target != "ListBooks" {
			t.Fatalf("update 41s later: %+v (sent %v)", cu, ok)
		}
		// A stale set event (its control already over) adds nothing.
		h.onIntro(k, p, introspect.Update{Kind: introspect.KindEvent, Event: wire.Event{Type: wire.EventControl,
			Control: &wire.ControlChange{Action: wire.ControlSet, Control: fault("GetBook", now, 40*time.Second)}}})
		if got := snapshotControls(h); len(got) != 1 {
			t.Fatalf("after a stale set: %+v", got)
		}
	})
}

// An event changes what the last /info said, and the next /info (a
// reconnection, a poll) is the truth again.
func TestControlsEventThenPoll(t *testing.T) {
	h, k, p, sub := controlHub(t)
	now := time.Now()
	h.onIntro(k, p, introspect.Update{Kind: introspect.KindInfo, Info: wire.Info{Controls: []wire.Control{fault("GetBook", now, time.Minute)}}})
	drain(sub)
	h.onIntro(k, p, introspect.Update{Kind: introspect.KindEvent, Event: wire.Event{Type: wire.EventControl,
		Control: &wire.ControlChange{Action: wire.ControlSet, Control: wire.Control{Kind: wire.ControlDrain, SetAt: now, Until: now.Add(time.Minute)}}}})
	if got := snapshotControls(h); len(got) != 2 || got[0].Kind != wire.ControlDrain {
		t.Fatalf("after the drain event: %+v", got)
	}
	h.onIntro(k, p, introspect.Update{Kind: introspect.KindInfo, Info: wire.Info{Controls: []wire.Control{
		{Kind: wire.ControlDrain, SetAt: now, Until: now.Add(time.Minute)}}}})
	cu, ok := controlsOf(t, sub)
	if !ok || len(cu.Controls) != 1 || cu.Controls[0].Kind != wire.ControlDrain || cu.Change != nil {
		t.Fatalf("after the next /info: %+v (sent %v)", cu, ok)
	}
}

// Only the latest list of an instance waits in a subscription's queue.
func TestControlUpdatesCoalesce(t *testing.T) {
	s := newSub(100)
	k := Key{"bookstore", "bookstore-2"}
	s.push(ControlUpdate{Key: k, Controls: []wire.Control{{Kind: wire.ControlDrain}}})
	s.push(ControlUpdate{Key: k})
	got := drain(s)
	if len(got) != 1 || len(got[0].(ControlUpdate).Controls) != 0 {
		t.Fatalf("got %+v", got)
	}
}
