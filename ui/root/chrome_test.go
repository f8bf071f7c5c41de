package root_test

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/styles"
)

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestQGoesBackALevel: q pops a pushed view and closes the help; only at
// the top does it ask, and :q quits at once.
func TestQGoesBackALevel(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	f.send(received(fleetRows(10)))
	f.send(f.keys("j enter")())
	if !strings.Contains(f.m.Render(), "detail of book-0001") {
		t.Fatal("enter did not push the detail")
	}
	if isQuit(f.keys("q")) || !strings.Contains(f.m.Render(), "book-0000") || strings.Contains(f.m.Render(), "Quit kitbench?") {
		t.Fatalf("q on a pushed view should go back to the list, without asking:\n%s", f.m.Render())
	}
	if isQuit(f.keys("? q")) || strings.Contains(f.m.Render(), "closes this help") || strings.Contains(f.m.Render(), "Quit kitbench?") {
		t.Error("q in the help should close the help")
	}
	if isQuit(f.keys("q")) || !strings.Contains(lastLine(f.m.Render()), "Quit kitbench?") {
		t.Error("q at the top should ask")
	}
	f.keys("esc")
	if !isQuit(f.keys(": q enter")) {
		t.Error(":q should quit at once")
	}
}

// TestFilterInTitle: the focused view's title carries its filter and, for
// a Counter, the rows shown of the rows held, on a tab and on a pushed
// view.
func TestFilterInTitle(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	f.send(received(fleetRows(60)))
	f.keys("/ b o o k - 0 0 1 enter")
	if h := firstLine(f.m.Render()); !strings.Contains(h, "1 Instances 10/60 · /book-001") {
		t.Errorf("header %q lacks the filter with its counts", h)
	}
	if strings.Contains(lastLine(f.m.Render()), "/book-001") {
		t.Error("the filter is in the title now, not the status line")
	}
	f.keys("esc")
	if h := firstLine(f.m.Render()); strings.Contains(h, "/book") {
		t.Errorf("header %q keeps a cleared filter", h)
	}
	f.send(f.keys("enter")())
	f.keys("/ x")
	if h := firstLine(f.m.Render()); !strings.Contains(h, "› book-0000  /x") {
		t.Errorf("a pushed view's filter (no counts) goes after its title: %q", h)
	}
}

// TestHelpMatchesTheFocusedWidget: while a view edits text, the short help
// offers none of the keys that type into it.
func TestHelpMatchesTheFocusedWidget(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	ed := &editorView{tableView: newTableView(&st, "Call"), editing: true}
	m, err := root.New(root.Options{Styles: &st}, root.Tab{ID: "call", View: ed})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 24})
	help := lastLine(m.Render())
	for _, k := range []string{": command", "/ filter", "? help", "q back"} {
		if strings.Contains(help, k) {
			t.Errorf("help %q offers %q while the editor types it", help, k)
		}
	}
	if !strings.Contains(help, "ctrl+c quit now") {
		t.Errorf("help %q should say how to leave at once", help)
	}
	ed.editing = false
	if help := lastLine(m.Render()); !strings.Contains(help, ": command") || !strings.Contains(help, "? help") {
		t.Errorf("after editing the global keys are back: %q", help)
	}
}

// TestShortHelpKeepsHelpAndQuit: at 80 columns the view's keys give way,
// not '?' and 'q'.
func TestShortHelpKeepsHelpAndQuit(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	l := lastLine(f.m.Render())
	if !strings.HasSuffix(strings.TrimRight(l, " "), "? help • q back/quit") || ansi.StringWidth(l) > 80 {
		t.Errorf("short help %q should end with ? and q", l)
	}
}

// TestStatusWrapsIntoADetailLine: a status too long for one line takes a
// second one (the body gives it up); at 120 columns nothing of it is cut,
// at 80 what is cut is the least important part, at the end.
func TestStatusWrapsIntoADetailLine(t *testing.T) {
	err := `Get "http://localhost:8500/v1/catalog/services?index=1": dial tcp 127.0.0.1:8500: connect: connection refused`
	for _, w := range []int{80, 120} {
		f := newFixture(t, colorprofile.NoTTY, w, 24, root.Options{})
		f.send(received(fleetRows(60)))
		if f.instances.h != 21 {
			t.Fatalf("body %d lines, want 21", f.instances.h)
		}
		f.send(ui.StatusMsg{Source: "registry at 127.0.0.1:8500", Instances: 0, Stale: true, Err: err})
		lines := strings.Split(f.m.Render(), "\n")
		if len(lines) != 24 || f.instances.h != 20 {
			t.Fatalf("w=%d: %d lines, body %d: want 24 lines and a 20-line body", w, len(lines), f.instances.h)
		}
		if !strings.HasPrefix(lines[21], " STALE · connection refused · Get \"http://localhost:8500/v1/") {
			t.Errorf("w=%d: the cause should come first, long words broken in place: %q", w, lines[21])
		}
		status := strings.TrimRight(lines[21], " ") + strings.TrimPrefix(lines[22], " ")
		want := []string{"index=1", "registry at 127.0.0.1:8500"}
		if w == 120 {
			want = append(want, "0 instances")
		}
		for _, s := range want {
			if !strings.Contains(status, s) {
				t.Errorf("w=%d: status %q lost %q", w, status, s)
			}
		}
		for _, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("line too wide: %q", l)
			}
		}
		f.send(ui.StatusMsg{Source: "registry at 127.0.0.1:8500", Instances: 60})
		if f.instances.h != 21 {
			t.Errorf("body %d lines after the error cleared, want 21", f.instances.h)
		}
	}
}

// TestRecordingShownInStatus: the file being recorded to stays in the
// status line until recording stops.
func TestRecordingShownInStatus(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 120, 40, root.Options{})
	f.send(ui.RecordingMsg{On: true, Path: ".kitbench/sessions/20250101-120000.kitrec", Calls: 2})
	if s := f.m.Render(); !strings.Contains(s, "● REC .kitbench/sessions/20250101-120000.kitrec (2 calls)") {
		t.Errorf("recording not in the status line:\n%s", s)
	}
	f.send(ui.RecordingMsg{Path: ".kitbench/sessions/20250101-120000.kitrec"})
	if s := f.m.Render(); strings.Contains(s, "● REC") {
		t.Error("recording mark kept after it stopped")
	}
}

// offlineView is a view useful without a fleet.
type offlineView struct{ *tableView }

func (offlineView) Offline() bool { return true }

func (o offlineView) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	_, cmd := o.tableView.Update(msg)
	return o, cmd
}

// TestEmptyState: while the fleet is empty, a tab's own view shows what
// was tried and what to do, except an Offline view and a pushed view.
func TestEmptyState(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	list := newTableView(&st, "Instances")
	m, err := root.New(root.Options{Styles: &st},
		root.Tab{ID: "instances", View: list}, root.Tab{ID: "sessions", View: offlineView{newTableView(&st, "Sessions")}})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(received(fleetRows(3)))
	m.Update(root.EmptyMsg{Title: "No instances found", Lines: []string{"Tried: the registry at 127.0.0.1:1.", "", "Next: start one with 'kitbench registry' or 'kitbench demo', or set CONSUL_HTTP_ADDR, or pass --consul ADDR or --target HOST:PORT."}})
	s := m.Render()
	if !strings.Contains(s, "No instances found") || !strings.Contains(s, "kitbench demo") || strings.Contains(s, "book-0000") {
		t.Errorf("empty state not shown:\n%s", s)
	}
	if !strings.Contains(s, "--target HOST:PORT.") {
		t.Errorf("long lines wrap instead of being cut:\n%s", s)
	}
	m.Update(press("2"))
	if strings.Contains(m.Render(), "No instances found") {
		t.Error("an Offline view keeps its body")
	}
	m.Update(press("1"))
	m.Update(root.EmptyMsg{})
	if s := m.Render(); strings.Contains(s, "No instances found") || !strings.Contains(s, "book-0000") {
		t.Errorf("a zero EmptyMsg clears it:\n%s", s)
	}
}

// TestGoldenChrome pins the chrome's new screens: the empty state with a
// wrapped STALE error, the quit question, and the filter in the title.
// Regenerate with: go test ./ui/root -run TestGoldenChrome -update
func TestGoldenChrome(t *testing.T) {
	err := `Get "http://127.0.0.1:1/v1/catalog/services?index=1": dial tcp 127.0.0.1:1: connect: connection refused`
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, c := range []struct {
			name string
			msgs []tea.Msg
			keys string
		}{
			{"empty", []tea.Msg{
				ui.StatusMsg{Source: "registry at 127.0.0.1:1", Stale: true, Err: err, Retry: "retrying, down for 12s"},
				root.EmptyMsg{Title: "No instances found", Lines: []string{
					"Tried: the registry at 127.0.0.1:1, which did not answer: " + err + ".",
					"", "Retrying every few seconds; this screen fills in when it answers.",
					"", "Next: start one with 'kitbench registry' or 'kitbench demo', or set CONSUL_HTTP_ADDR, or pass --consul ADDR or --target HOST:PORT."}},
			}, ""},
			{"quit", []tea.Msg{statusFor(fleetRows(60)), received(fleetRows(60))}, "q"},
			{"filter_title", []tea.Msg{statusFor(fleetRows(60)), received(fleetRows(60))}, "/ z o n e = z 1 enter"},
		} {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], c.name), func(t *testing.T) {
				f := newFixture(t, colorprofile.NoTTY, size[0], size[1], root.Options{})
				for _, m := range c.msgs {
					f.send(m)
				}
				f.keys(c.keys)
				golden.RequireEqual(t, f.m.Render())
			})
		}
	}
}
