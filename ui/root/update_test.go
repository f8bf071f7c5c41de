package root_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/root"
	"github.com/kitbench/kitbench/ui/styles"
)

type fixture struct {
	m                           *root.Model
	instances, breakers, traces *tableView
}

func newFixture(t testing.TB, prof colorprofile.Profile, w, h int, opts root.Options) *fixture {
	t.Helper()
	st := styles.New(prof)
	f := &fixture{
		instances: newTableView(&st, "Instances"),
		breakers:  newTableView(&st, "Breakers"),
		traces:    newTableView(&st, "Traces"),
	}
	opts.Styles = &st
	m, err := root.New(opts,
		root.Tab{ID: "instances", View: f.instances},
		root.Tab{ID: "breakers", View: f.breakers},
		root.Tab{ID: "traces", View: f.traces},
	)
	if err != nil {
		t.Fatal(err)
	}
	f.m = m
	f.send(tea.WindowSizeMsg{Width: w, Height: h})
	return f
}

func (f *fixture) send(msg tea.Msg) tea.Cmd {
	_, cmd := f.m.Update(msg)
	return cmd
}

// keys presses each key of a space-separated list ("j j enter : b tab").
func (f *fixture) keys(list string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range strings.Fields(list) {
		cmd = f.send(press(k))
	}
	return cmd
}

func press(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"down": {Code: tea.KeyDown}, "up": {Code: tea.KeyUp}, "enter": {Code: tea.KeyEnter},
		"esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab}, "shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"backspace": {Code: tea.KeyBackspace}, "ctrl+c": {Code: 'c', Mod: tea.ModCtrl}, "space": {Code: tea.KeySpace, Text: " "},
	}
	if k, ok := named[s]; ok {
		return k
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// received makes the message WaitFor produces for rows.
func received(rows rowsMsg) tea.Msg {
	ch := make(chan rowsMsg, 1)
	ch <- rows
	return ui.WaitFor(context.Background(), ch)()
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func (f *fixture) focused() string { return string(f.m.FocusedTab()) }

func TestNewRejectsBadTabs(t *testing.T) {
	st := styles.New(colorprofile.NoTTY)
	v := newTableView(&st, "x")
	for name, tabs := range map[string][]root.Tab{
		"none":      nil,
		"no id":     {{View: v}},
		"nil view":  {{ID: "a"}},
		"duplicate": {{ID: "a", View: v}, {ID: "a", View: v}},
	} {
		if _, err := root.New(root.Options{}, tabs...); !errors.Is(err, root.ErrTabs) {
			t.Errorf("%s: err = %v, want ErrTabs", name, err)
		}
	}
}

func TestSwitchViewsByTabAndNumber(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	for _, step := range []struct{ keys, want string }{
		{"tab", "breakers"}, {"tab", "traces"}, {"tab", "instances"}, {"shift+tab", "traces"},
		{"1", "instances"}, {"3", "traces"}, {"9", "traces"}, {"2", "breakers"},
	} {
		f.keys(step.keys)
		if got := f.focused(); got != step.want {
			t.Fatalf("after %s focused %s, want %s", step.keys, got, step.want)
		}
	}
}

func TestCommandModeWithCompletion(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	f.keys(": b")
	if last := lastLine(f.m.Render()); !strings.HasPrefix(last, ":b") || !strings.Contains(last, "breakers") {
		t.Errorf("command line should show the input and the candidate: %q", last)
	}
	if len(f.instances.got) != 0 {
		t.Errorf("keys typed in command mode reached the view: %v", f.instances.got)
	}
	f.keys("tab")
	if last := lastLine(f.m.Render()); !strings.HasPrefix(last, ":breakers") {
		t.Errorf("tab should complete to :breakers, line is %q", last)
	}
	f.keys("enter")
	if f.focused() != "breakers" {
		t.Fatalf("focused %s after :breakers", f.focused())
	}
	f.keys(": t r enter") // unique prefix
	if f.focused() != "traces" {
		t.Fatalf("focused %s after :tr", f.focused())
	}
	cmd := f.keys(": n o p e enter")
	if cmd == nil {
		t.Fatal("unknown view gives no notice")
	}
	f.send(cmd())
	if s := f.m.Render(); !strings.Contains(s, "no view :nope (try :instances, :breakers, :traces)") {
		t.Errorf("status lacks the error notice:\n%s", s)
	}
	f.keys(": b esc")
	if f.focused() != "traces" {
		t.Error("esc must cancel the command")
	}
	if !isQuit(f.keys(": q enter")) {
		t.Error(":q should quit")
	}
	f.keys(": h e l p enter")
	if !strings.Contains(f.m.Render(), "Keys") {
		t.Error(":help should open the help")
	}
}

func TestFilterModeIsLiveAndInvertible(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	f.send(received(fleetRows(30)))
	f.keys("/ c l o s e d")
	if n := f.instances.table.Len(); n != 10 {
		t.Fatalf("live filter 'closed': %d rows, want 10", n)
	}
	if f.breakers.count(isFilter) != 0 {
		t.Error("the filter reached an unfocused view")
	}
	f.keys("enter")
	if s := f.m.Render(); !strings.Contains(s, "/closed") {
		t.Errorf("status should show the active filter:\n%s", s)
	}
	f.keys("j") // normal mode again: keys go to the view
	if f.instances.selected() != "book-0003" {
		t.Errorf("cursor on %s, want the second closed row", f.instances.selected())
	}
	f.keys("/ backspace backspace backspace backspace backspace backspace ! c l o s e d enter")
	if n := f.instances.table.Len(); n != 20 {
		t.Fatalf("inverted filter '!closed': %d rows, want 20", n)
	}
	f.keys("/ x esc") // cancel restores the filter before the edit
	if n := f.instances.table.Len(); n != 20 {
		t.Fatalf("esc while editing should restore !closed: %d rows", n)
	}
	f.keys("esc") // esc in normal mode clears the filter
	if n := f.instances.table.Len(); n != 30 {
		t.Fatalf("esc should clear the filter: %d rows", n)
	}
}

func isFilter(m tea.Msg) bool { _, ok := m.(ui.FilterMsg); return ok }
func isKey(m tea.Msg) bool    { _, ok := m.(tea.KeyPressMsg); return ok }

func TestHelpToggle(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	f.keys("?")
	s := f.m.Render()
	for _, want := range []string{"Keys", "filter (!inverts)", "go to view", "sort"} {
		if !strings.Contains(s, want) {
			t.Errorf("help lacks %q:\n%s", want, s)
		}
	}
	f.keys("j tab")
	if f.instances.count(isKey) != 0 || f.focused() != "instances" {
		t.Error("keys leaked through the help overlay")
	}
	f.keys("?")
	if strings.Contains(f.m.Render(), "esc closes this help") {
		t.Error("? should close the help")
	}
	f.keys("? esc")
	if strings.Contains(f.m.Render(), "esc closes this help") {
		t.Error("esc should close the help")
	}
}

func TestQuit(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	if isQuit(f.keys("q")) {
		t.Error("q at the top should ask first")
	}
	if l := lastLine(f.m.Render()); !strings.Contains(l, "Quit kitbench? y or enter quits") {
		t.Errorf("the question is not on the bottom line: %q", l)
	}
	if !isQuit(f.keys("y")) {
		t.Error("y should confirm the quit")
	}
	if !isQuit(f.keys("q q")) {
		t.Error("q twice should quit")
	}
	if isQuit(f.keys("q")) || isQuit(f.keys("j")) || strings.Contains(f.m.Render(), "Quit kitbench?") {
		t.Error("any other key should keep the workbench and close the question")
	}
	if f.instances.count(isKey) != 0 {
		t.Error("the key that answered the question reached the view")
	}
	if isQuit(f.keys("/ q")) {
		t.Error("q typed in the filter must not quit")
	}
	if !isQuit(f.keys("ctrl+c")) {
		t.Error("ctrl+c should quit from the filter input")
	}
}

func TestKeysGoOnlyToTheFocusedView(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	f.send(received(fleetRows(10)))
	f.keys("j j 2 j")
	if f.instances.selected() != "book-0002" || f.breakers.selected() != "book-0001" {
		t.Errorf("cursors %s / %s", f.instances.selected(), f.breakers.selected())
	}
	if f.traces.count(isKey) != 0 {
		t.Error("an unfocused view got keys")
	}
}

func TestBroadcastRouting(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	type ping struct{ n int }
	f.send(ping{1})
	for _, v := range []*tableView{f.instances, f.breakers, f.traces} {
		if v.count(func(m tea.Msg) bool { return m == ping{1} }) != 1 {
			t.Errorf("%s missed the broadcast", v.title)
		}
	}
}

func TestDrillDownAndBack(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 100, 30, root.Options{})
	f.send(received(fleetRows(5)))
	cmd := f.keys("j enter")
	if cmd == nil {
		t.Fatal("enter gave no command")
	}
	f.send(cmd())
	s := f.m.Render()
	if !strings.Contains(s, "detail of book-0001 (100x27)") || !strings.Contains(strings.SplitN(s, "\n", 2)[0], "› book-0001") {
		t.Fatalf("pushed view not shown or not sized:\n%s", s)
	}
	type ping struct{}
	f.send(ping{})
	f.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	if !strings.Contains(f.m.Render(), "detail of book-0001 (120x37)") {
		t.Errorf("pushed view not resized:\n%s", f.m.Render())
	}
	if f.instances.count(func(m tea.Msg) bool { return m == ping{} }) != 1 {
		t.Error("the view under a pushed view stops getting broadcasts")
	}
	f.keys("esc")
	if s := f.m.Render(); strings.Contains(s, "detail of") || !strings.Contains(s, "> book-0001") {
		t.Errorf("esc should pop back to the table with its cursor:\n%s", s)
	}
}

func TestSubscriptionIsRearmedOnce(t *testing.T) {
	ch := make(chan rowsMsg, 2)
	ch <- fleetRows(3)
	ch <- fleetRows(4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{Subscriptions: []tea.Cmd{ui.WaitFor(ctx, ch)}})

	msg := f.m.Init()()
	next := f.send(msg)
	if f.instances.table.Total() != 3 || f.traces.table.Total() != 3 {
		t.Fatal("the first snapshot did not reach every view")
	}
	if next == nil {
		t.Fatal("no re-arm command")
	}
	msg = next()
	if _, ok := msg.(ui.Received[rowsMsg]); !ok {
		t.Fatalf("re-arm command gave %T", msg)
	}
	f.send(msg)
	if f.breakers.table.Total() != 4 {
		t.Error("the second snapshot was not delivered")
	}
	close(ch)
	f.send(ui.Closed[rowsMsg]{})
	if s := f.m.Render(); !strings.Contains(s, "STALE") || !strings.Contains(s, "updates stopped") {
		t.Errorf("closed subscription should mark the status stale:\n%s", s)
	}
}

func TestStatus(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{
		StatusOf: func(m tea.Msg) (ui.StatusMsg, bool) {
			r, ok := m.(ui.Received[rowsMsg])
			return ui.StatusMsg{Source: "devregistry 127.0.0.1:8500", Instances: len(r.Value)}, ok
		},
	})
	f.send(received(fleetRows(7)))
	if s := f.m.Render(); !strings.Contains(s, "devregistry 127.0.0.1:8500 · 7 instances") {
		t.Errorf("StatusOf not applied:\n%s", s)
	}
	f.send(ui.StatusMsg{Source: "consul", Instances: 2, Stale: true, Err: "agent unreachable"})
	if s := f.m.Render(); !strings.Contains(s, "STALE · agent unreachable · consul · 2 instances") {
		t.Errorf("StatusMsg not shown:\n%s", s)
	}
}

func TestNoticeExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{NoticeFor: 3 * time.Second})
		start := time.Now()
		first := f.send(ui.NoticeMsg{Text: "first"})
		second := f.send(ui.NoticeMsg{Text: "second", Level: ui.Warn})
		f.send(first()) // an older notice's expiry must not clear a newer one
		if !strings.Contains(f.m.Render(), "second") {
			t.Fatal("older expiry cleared the newer notice")
		}
		f.send(second())
		if time.Since(start) != 3*time.Second {
			t.Errorf("notice expired after %v, want 3s", time.Since(start))
		}
		if strings.Contains(f.m.Render(), "second") {
			t.Error("notice did not expire")
		}
	})
}

func TestTooSmall(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 79, 24, root.Options{})
	f.send(received(fleetRows(5)))
	if s := f.m.Render(); !strings.Contains(s, "Terminal too small") || strings.Contains(s, "book-0000") {
		t.Fatalf("79x24 should show only the too-small screen:\n%s", s)
	}
	f.keys("j tab")
	if f.instances.count(isKey) != 0 || f.focused() != "instances" {
		t.Error("keys acted on a screen the user cannot see")
	}
	if !isQuit(f.keys("q")) {
		t.Error("q must still quit")
	}
	f.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if strings.Contains(f.m.Render(), "too small") {
		t.Error("80x24 is big enough")
	}
	f.send(tea.WindowSizeMsg{})
	if f.m.Render() != "" {
		t.Error("a zero window renders nothing")
	}
}

func TestCursorShownOnlyWhileTyping(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	if f.m.View().Cursor != nil {
		t.Error("cursor shown in normal mode")
	}
	f.keys("/ a b")
	c := f.m.View().Cursor
	if c == nil || c.X != 3 || c.Y != 23 {
		t.Errorf("cursor = %+v, want after '/ab' on the last line", c)
	}
	if !f.m.View().AltScreen {
		t.Error("the workbench draws in the alternate screen")
	}
}

func lastLine(s string) string { return s[strings.LastIndexByte(s, '\n')+1:] }
