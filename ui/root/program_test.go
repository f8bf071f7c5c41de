package root_test

import (
	"context"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/styles"
)

// seenView signals when it has received the data, so the test knows when to
// press q.
type seenView struct {
	*tableView
	seen chan int
}

func (v seenView) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	if r, ok := msg.(ui.Received[rowsMsg]); ok {
		v.seen <- len(r.Value)
	}
	_, cmd := v.tableView.Update(msg)
	return v, cmd
}

// TestProgramEndToEnd runs the root in a real Bubble Tea program (no TTY):
// Init starts the subscription, snapshots arrive and re-arm, q and y quit, and
// cancelling the context ends the pending wait, so no goroutine is left.
func TestProgramEndToEnd(t *testing.T) {
	base := goroutines()
	ctx, cancel := context.WithCancel(context.Background())
	updates := make(chan rowsMsg)
	st := styles.New(colorprofile.NoTTY)
	v := seenView{tableView: newTableView(&st, "Instances"), seen: make(chan int, 4)}
	m, err := root.New(root.Options{Styles: &st, Subscriptions: []tea.Cmd{ui.WaitFor(ctx, updates)}},
		root.Tab{ID: "instances", View: v})
	if err != nil {
		t.Fatal(err)
	}
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(100, 30), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()

	for _, n := range []int{3, 5} {
		updates <- fleetRows(n)
		if got := <-v.seen; got != n {
			t.Fatalf("view saw %d rows, want %d", got, n)
		}
	}
	p.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	p.Send(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := v.table.Total(); got != 5 {
		t.Errorf("table holds %d rows after the program, want 5", got)
	}
	cancel()

	deadline := time.Now().Add(5 * time.Second)
	for goroutines() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines %d > baseline %d:\n%s", goroutines(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goroutines counts goroutines, leaving out the runtime's signal loop that
// the first signal.Notify of the process starts and never stops.
func goroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "os/signal.loop") {
			n++
		}
	}
	return n
}
