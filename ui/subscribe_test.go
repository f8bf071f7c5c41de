package ui_test

import (
	"context"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui"
)

type snapshot struct{ n int }

func TestWaitForDeliversInOrderAndRearms(t *testing.T) {
	ch := make(chan snapshot, 3)
	ch <- snapshot{1}
	ch <- snapshot{2}
	close(ch)

	cmd := ui.WaitFor(context.Background(), ch)
	for want := 1; want <= 2; want++ {
		msg := cmd()
		r, ok := msg.(ui.Received[snapshot])
		if !ok {
			t.Fatalf("got %T, want Received[snapshot]", msg)
		}
		if r.Value.n != want {
			t.Fatalf("value %d, want %d", r.Value.n, want)
		}
		var re ui.Rearmer = r
		if cmd = re.Next(); cmd == nil {
			t.Fatal("Received has no Next command")
		}
	}
	msg := cmd()
	if _, ok := msg.(ui.Closed[snapshot]); !ok {
		t.Fatalf("after close got %T, want Closed[snapshot]", msg)
	}
	if _, ok := msg.(ui.ClosedSubscription); !ok {
		t.Fatal("Closed does not implement ClosedSubscription")
	}
}

func TestWaitForEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan snapshot) // never written, never closed
	done := make(chan tea.Msg)
	go func() { done <- ui.WaitFor(ctx, ch)() }()
	cancel()
	if msg := <-done; msg != nil {
		t.Fatalf("cancelled wait returned %T, want nil", msg)
	}
}

func TestCommandsCarryTheirMessage(t *testing.T) {
	if m := ui.Notify(ui.Warn, "hi")(); m != (ui.NoticeMsg{Text: "hi", Level: ui.Warn}) {
		t.Errorf("Notify: %#v", m)
	}
	if m, ok := ui.Push(nil)().(ui.PushMsg); !ok || m.View != nil {
		t.Errorf("Push: %#v", m)
	}
}
