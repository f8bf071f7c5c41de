package dashboard

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui/components"
)

// TestEmptyStateTeaches: with the registry unreachable the main pane says
// what was tried, what came back, that it keeps retrying (the age ticks
// in the status line too) and the CLI's hint; the first instance clears
// it.
func TestEmptyStateTeaches(t *testing.T) {
	m, err := New(Options{Hint: "start one with 'kitbench registry' or 'kitbench demo'"}, &testFleet{}, make(testStream))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	t0 := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.Update(tick(t0))
	down := `Get "http://127.0.0.1:1/v1/catalog/services": dial tcp 127.0.0.1:1: connect: connection refused`
	m.forward(hub.SourceStatus{Source: "registry at 127.0.0.1:1", Err: down, Stale: true, Ready: true})
	m.Update(tick(t0.Add(12 * time.Second)))
	s := m.Root().Render()
	for _, want := range []string{"No instances found", "Tried registry at 127.0.0.1:1: connection refused", "Retrying every few seconds, down for 12s",
		workbench.StartAFleet[:40], "retrying, down for 12s"} {
		if !strings.Contains(strings.ReplaceAll(s, "\n  ", " "), want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	m.forward(hub.SourceStatus{Source: "registry at 127.0.0.1:1", Ready: true, Instances: 1})
	m.forward(hub.InstanceUpdate{Instance: hub.Instance{Key: hub.Key{Service: "bookstore", InstanceID: "book-1"}, State: hub.StateUp}})
	m.Update(tick(t0.Add(13 * time.Second)))
	if s := m.Root().Render(); strings.Contains(s, "No instances found") || strings.Contains(s, "retrying") {
		t.Errorf("an answering registry with an instance clears the empty state:\n%s", s)
	}
	m.forward(hub.SourceStatus{Source: "registry at 127.0.0.1:1", Ready: true})
	if s := m.Root().Render(); !strings.Contains(s, "it answered, with no instances registered") {
		t.Errorf("an empty registry says so:\n%s", s)
	}
}

// TestPagerMsgRunsThePager: o's PagerMsg becomes a command (the pager
// runs with the terminal, not in Update).
func TestPagerMsgRunsThePager(t *testing.T) {
	m, err := New(Options{}, &testFleet{}, make(testStream))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, cmd := m.Update(components.PagerMsg{Name: "response", Text: "{}"}); cmd == nil {
		t.Fatal("PagerMsg gave no command")
	}
}
