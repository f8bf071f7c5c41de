package dashboard_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/instances"
)

// TestStatusLineShowsTheRefreshBudget: the hub's RefreshStatus reaches
// the status line as the refresh period (stretched for instances off
// screen) and the probe rate.
func TestStatusLineShowsTheRefreshBudget(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 160, 30)
	f.send(hub.SourceStatus{Source: "registry", Ready: true, Instances: 1000},
		hub.RefreshStatus{Every: 2 * time.Second, Slowest: 15 * time.Second, Instances: 1000, ProbesPerSecond: 40.4})
	if s := f.screen(); !strings.Contains(s, "refresh 2s–15s · 40 probes/s") {
		t.Errorf("status line lacks the refresh budget:\n%s", s)
	}
	f.send(hub.RefreshStatus{Every: 2 * time.Second, Slowest: 2 * time.Second, Instances: 10, ProbesPerSecond: 15})
	if s := f.screen(); !strings.Contains(s, "refresh 2s · 15 probes/s") {
		t.Errorf("status line with every instance at the full rate:\n%s", s)
	}
}

// TestFocusReachesTheHub: the instances view's focus (the rows on
// screen) is handed to the fleet's refresh budget by a command, off the
// update loop.
func TestFocusReachesTheHub(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 160, 30)
	keys := []hub.Key{bk1, bk2}
	cmd := f.send(instances.FocusMsg{Keys: keys})
	if got := f.fleet.focused(); got != nil {
		t.Fatalf("the update itself set the focus %v: that is the command's work", got)
	}
	if cmd == nil {
		t.Fatal("no command for the focus")
	}
	cmd()
	if got := f.fleet.focused(); !slices.Equal(got, keys) {
		t.Errorf("the hub's focus is %v, want %v", got, keys)
	}
}
