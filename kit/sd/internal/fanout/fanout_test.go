package fanout

import (
	"testing"
	"time"

	"github.com/kitbench/kitbench/internal/testutil"
	"github.com/kitbench/kitbench/kit/sd"
	"go.uber.org/goleak"
)

func recv(t *testing.T, ch <-chan sd.Event) sd.Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return sd.Event{}
}

func TestLatestStateReachesEveryObserver(t *testing.T) {
	before := goleak.IgnoreCurrent()
	var f Fanout
	a, b := make(chan sd.Event), make(chan sd.Event, 1)
	f.Publish(sd.Event{Instances: []sd.Instance{{ID: "1"}}})
	f.Register(a) // gets the current state at once
	if ev := recv(t, a); len(ev.Instances) != 1 || ev.Instances[0].ID != "1" {
		t.Fatalf("first state: %+v", ev)
	}
	f.Register(b)
	recv(t, b)
	// a does not read while three states are published: it then gets only
	// the newest, and b is not held up meanwhile.
	for i := 2; i <= 4; i++ {
		f.Publish(sd.Event{Instances: []sd.Instance{{ID: string(rune('0' + i))}}})
		if ev := recv(t, b); ev.Instances[0].ID != string(rune('0'+i)) {
			t.Fatalf("b got %+v", ev)
		}
	}
	var last sd.Event
	for {
		last = recv(t, a)
		if last.Instances[0].ID == "4" {
			break
		}
	}
	f.Deregister(a)
	f.Publish(sd.Event{})
	select {
	case ev := <-a:
		t.Fatalf("deregistered observer got %+v", ev)
	case <-time.After(50 * time.Millisecond):
	}
	f.Stop()
	f.Register(make(chan sd.Event)) // ignored after Stop
	testutil.VerifyNone(t, before)
}
