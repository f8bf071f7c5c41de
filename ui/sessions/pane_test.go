package sessions_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/sessions"
)

// TestLongDiffScrolls: a replay diff longer than the details area says
// how much is below, v opens it in a scrollable pane where G reaches its
// last line, and y copies all of it.
func TestLongDiffScrolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, colorprofile.NoTTY, 80, 24)
		diffs := make([]string, 90)
		for i := range diffs {
			diffs[i] = fmt.Sprintf(`$.books[%d].title: want "A", got "B"`, i)
		}
		f.store.report = func(string, sessions.Target, sessions.Writes) *sessions.Report {
			return &sessions.Report{Failed: 1, Results: []sessions.Result{{Index: 0, Status: "OK", Duration: time.Millisecond, Diffs: diffs}}}
		}
		f.keys("enter r")
		screen := f.m.Render()
		if !strings.Contains(screen, "more lines · v scrolls") || strings.Contains(screen, "books[89]") {
			t.Fatalf("the cut diff should say how to see the rest:\n%s", screen)
		}
		f.keys("v")
		if s := f.m.Render(); !strings.Contains(s, "› Exchange 1") || !strings.Contains(s, "replay differs") {
			t.Fatalf("v should open the exchange in a pane:\n%s", s)
		}
		f.keys("G")
		if s := f.m.Render(); !strings.Contains(s, `$.books[89].title`) {
			t.Fatalf("G should reach the last lines:\n%s", s)
		}
		f.keys("y")
		var copied bool
		for _, m := range f.msgs {
			if n, ok := m.(ui.NoticeMsg); ok && strings.Contains(n.Text, "copied the Exchange 1") {
				copied = true
			}
		}
		if !copied {
			t.Error("y in the pane should copy the exchange")
		}
	})
}
