package demo

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kitbench/kitbench/examples/bookstore"
	"github.com/kitbench/kitbench/kit/introspect"
)

// TestScriptSetsEachPhasesFaults runs the fault script on a real Book
// instance with a short cycle and follows the instance's events: the slow
// phase's delay is set, then the failing phase's errors, each by the
// script and to end with its phase, and the errors then expire by
// themselves. The cycle repeats, so a machine too busy to catch one
// phase catches the next; the wait is bounded.
func TestScriptSetsEachPhasesFaults(t *testing.T) {
	inst, err := bookstore.Start(bookstore.Config{Controls: &introspect.ControlPolicy{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Shutdown(context.Background()) })
	events, unsubscribe := inst.Introspection.Subscribe(256)
	defer unsubscribe()

	sched := Schedule{Start: time.Now(), Durations: [4]time.Duration{200 * time.Millisecond, time.Second, time.Second, 200 * time.Millisecond}}
	s, err := startScript(sched, inst.AdminAddr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()

	var slow, failing, expired bool
	failed := map[string]bool{}
	deadline := time.After(60 * time.Second)
	for !expired {
		var e introspect.Event
		select {
		case e = <-events:
		case <-deadline:
			t.Fatalf("no whole cycle in 60 s: slow %v, failing %v (%v)", slow, failing, failed)
		}
		if e.Type != introspect.EventControl {
			continue
		}
		ch := e.Control
		c := ch.Control
		if ch.Action == introspect.ControlSet {
			if ch.By != ScriptActor {
				t.Fatalf("control set by %q, want %q", ch.By, ScriptActor)
			}
			if ttl := c.Until.Sub(c.SetAt); ttl <= 0 || ttl > time.Second {
				t.Fatalf("control %+v holds %v, want at most its phase's 1 s", c, ttl)
			}
		}
		switch {
		case ch.Action == introspect.ControlSet && c.Fault.Latency != 0:
			if time.Duration(c.Fault.Latency) != SlowDelay {
				t.Fatalf("slow: %+v", c.Fault)
			}
			slow, failing, failed = true, false, map[string]bool{}
		case ch.Action == introspect.ControlSet && c.Fault.ErrorRate == 1 && slow:
			failed[c.Target] = true
			failing = len(failed) == 4
		case ch.Action == introspect.ControlExpired && failing && c.Target == bookstore.MethodGetBook:
			if ch.By != "" || c.Fault.ErrorRate != 1 {
				t.Fatalf("expiry %+v, want GetBook's error fault expiring by itself", ch)
			}
			expired = true
		}
	}
}
