package trip_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
)

// TestFailureOpensWhole: the failures table cuts a long error; v pushes a
// pane with all of it (wrapped, its end on screen), y copies it and o
// asks for the pager.
func TestFailureOpensWhole(t *testing.T) {
	long := "503: upstream bookstore-3 failed: " + strings.Repeat("a very long cause ", 20) + "THE END"
	v := newView(opened(time.Second, wire.BreakerFailure{Time: t0, Error: long, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"}))
	if strings.Contains(v.View(), "THE END") {
		t.Fatal("the table was expected to cut the error")
	}
	_, cmd := v.Update(tea.KeyPressMsg{Code: 'v', Text: "v"})
	push, ok := cmd().(ui.PushMsg)
	if !ok {
		t.Fatalf("v gave %T, want a push", cmd())
	}
	push.View.SetSize(80, 20)
	if s := push.View.View(); !strings.Contains(strings.ReplaceAll(s, "\n", ""), "THE END") || !strings.Contains(s, "4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Errorf("the pane should hold the whole error and its trace:\n%s", s)
	}
	_, cmd = v.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	if m, ok := cmd().(components.PagerMsg); !ok || !strings.HasSuffix(m.Text, "THE END") {
		t.Errorf("o gave %#v", m)
	}
	_, cmd = v.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if cmd == nil {
		t.Error("y should copy the failure")
	}
}
