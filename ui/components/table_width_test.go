package components_test

import (
	"strings"
	"testing"

	"github.com/kitbench/kitbench/ui/components"
)

// A minimum width is taken from the flexible columns — beyond their
// Width first, then down to their titles — and hides no column: the
// marker it is for reads whole, the names are cut instead.
func TestMinWidthTakesFromFlexibleColumns(t *testing.T) {
	tb := components.NewTable(&plain, km.Nav,
		components.Column{Title: "INSTANCE", Width: 10, Flex: 1, KeepEnd: true},
		components.Column{Title: "BREAKER", Width: 12, Flex: 2, KeepEnd: true},
		components.Column{Title: "STATE", Width: 6},
		components.Column{Title: "REJ", Width: 4},
	)
	// 2 gutter + 10+12+6+4 + 3 gaps = 37: 3 cells to spread.
	tb.SetSize(40, 3)
	tb.SetRows([]components.Row{{Key: "a", Cells: components.Texts("gateway-1", "bookstore.GetBook", "F-CLOSED 2m10s", "7")}})
	if got := []int{tb.Width(0), tb.Width(1), tb.Width(2), tb.Width(3)}; got[2] != 6 || got[0]+got[1] != 25 {
		t.Fatalf("widths without a minimum %v", got)
	}
	if r := tb.Room(2); r != 9 {
		t.Errorf("room of STATE %d, want 9 (6 + the 3 spread to the names)", r)
	}
	tb.SetMinWidth(2, 14)
	if got := []int{tb.Width(0), tb.Width(1), tb.Width(2), tb.Width(3)}; got[2] != 14 || got[3] != 4 || got[0]+got[1] != 17 || got[0] < 8 || got[1] < 7 {
		t.Fatalf("widths with STATE at least 14: %v", got)
	}
	out := tb.View()
	for _, want := range []string{"F-CLOSED 2m10s", "7", "…"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	// No more than the titles allow: the rest of the cell is cut.
	tb.SetMinWidth(2, 40)
	if got := []int{tb.Width(0), tb.Width(1), tb.Width(2), tb.Width(3)}; got[0] != 8 || got[1] != 7 || got[3] != 4 {
		t.Errorf("widths with an impossible minimum %v: the names keep their titles, REJ stays", got)
	}
	tb.SetMinWidth(2, 0)
	if tb.Width(2) != 6 {
		t.Errorf("a removed minimum leaves STATE at %d", tb.Width(2))
	}
}

// Room does not count what a minimum already took: asked again with the
// minimum in place, it answers the same, so a view choosing a marker's
// form by it does not flip between forms.
func TestRoomIgnoresTheMinimum(t *testing.T) {
	tb := components.NewTable(&plain, km.Nav,
		components.Column{Title: "NAME", Width: 10, Flex: 1},
		components.Column{Title: "STATE", Width: 6, Flex: 1},
	)
	tb.SetSize(40, 3)
	before := tb.Room(1)
	tb.SetMinWidth(1, 30)
	if after := tb.Room(1); after != before {
		t.Errorf("room %d with the minimum, %d without", after, before)
	}
}
