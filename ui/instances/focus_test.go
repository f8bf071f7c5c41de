package instances_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/instances"
)

// focusIn runs cmd (a batch included) and returns the FocusMsg it
// delivers, if any. The view's commands return at once.
func focusIn(cmd tea.Cmd) (instances.FocusMsg, bool) {
	if cmd == nil {
		return instances.FocusMsg{}, false
	}
	switch m := cmd().(type) {
	case instances.FocusMsg:
		return m, true
	case tea.BatchMsg:
		for _, c := range m {
			if f, ok := focusIn(c); ok {
				return f, true
			}
		}
	}
	return instances.FocusMsg{}, false
}

// TestFocusFollowsTheScreen: the view names the instances on screen
// (the selected one among them) when they change, and only then, so the
// hub refreshes those at the full rate.
func TestFocusFollowsTheScreen(t *testing.T) {
	v := newView() // 140×20: a summary line, a header, 18 rows
	var snap hub.Snapshot
	for i := range 40 {
		k := key("svc", fmt.Sprintf("svc-%02d", i))
		snap.Instances = append(snap.Instances, hub.InstanceState{Instance: inst(k, hub.StateUp, "passing")})
	}
	f, ok := focusIn(send(v, snap))
	if !ok || len(f.Keys) != 18 || f.Keys[0].InstanceID != "svc-00" || f.Keys[17].InstanceID != "svc-17" {
		t.Fatalf("after the snapshot: focus %v (sent %v), want svc-00…svc-17", f.Keys, ok)
	}
	if f, ok := focusIn(send(v, ui.TickMsg{Now: t0.Add(time.Second)})); ok {
		t.Errorf("a tick that moved nothing sent focus %v again", f.Keys)
	}
	for range 17 { // down to the last row on screen: nothing scrolls
		if f, ok := focusIn(send(v, tea.KeyPressMsg{Code: tea.KeyDown})); ok {
			t.Fatalf("moving within the screen sent focus %v", f.Keys)
		}
	}
	f, ok = focusIn(send(v, tea.KeyPressMsg{Code: tea.KeyDown}))
	if !ok || f.Keys[0].InstanceID != "svc-01" || f.Keys[17].InstanceID != "svc-18" {
		t.Fatalf("after scrolling one row: focus %v (sent %v), want svc-01…svc-18", f.Keys, ok)
	}
	f, ok = focusIn(send(v, ui.FilterMsg{Query: "svc-3"}))
	want := []string{"svc-30", "svc-31", "svc-32", "svc-33", "svc-34", "svc-35", "svc-36", "svc-37", "svc-38", "svc-39"}
	var got []string
	for _, k := range f.Keys {
		got = append(got, k.InstanceID)
	}
	if !ok || !slices.Equal(got, want) {
		t.Fatalf("after filtering: focus %v (sent %v), want %v", got, ok, want)
	}
}
