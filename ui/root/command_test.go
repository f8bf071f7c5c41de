package root_test

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/root"
)

// TestCommandWithArgs: ":trace 4bF9 x" focuses the tab by its prefix and
// gives its own view (not a view pushed on it) the words after the name,
// as typed; a bare name sends nothing.
func TestCommandWithArgs(t *testing.T) {
	f := newFixture(t, colorprofile.NoTTY, 80, 24, root.Options{})
	f.send(received(rowsMsg{{Key: "a"}, {Key: "b"}}))
	f.keys("3 enter 1") // a view pushed on the traces tab
	for _, r := range ":trac  4bF9 x" {
		k := string(r)
		if k == " " {
			k = "space"
		}
		f.send(press(k))
	}
	f.keys("enter")
	if f.focused() != "traces" {
		t.Fatalf("focused %s", f.focused())
	}
	var got []string
	for _, m := range f.traces.got {
		if c, ok := m.(ui.CommandMsg); ok {
			got = append(got, c.Args)
		}
	}
	if len(got) != 1 || got[0] != "4bF9 x" {
		t.Fatalf("CommandMsg args %q, want [\"4bF9 x\"]", got)
	}
	f.keys(": b r enter")
	if n := f.breakers.count(func(m tea.Msg) bool { _, ok := m.(ui.CommandMsg); return ok }); n != 0 {
		t.Fatalf("a bare :breakers sent %d CommandMsg", n)
	}
}
