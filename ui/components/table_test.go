package components_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

var (
	plain = styles.New(colorprofile.NoTTY)
	km    = keys.Default()
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "ctrl+w":
		return tea.KeyPressMsg{Code: 'w', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func cols() []components.Column {
	return []components.Column{
		{Title: "NAME", Width: 10, Flex: 1},
		{Title: "STATE", Width: 9},
		{Title: "ERR%", Width: 6, Align: components.AlignRight, Desc: true},
	}
}

// mkRows builds rows "svc-000".."svc-(n-1)" with error % = (i*7)%100.
func mkRows(n int) []components.Row {
	rows := make([]components.Row, n)
	for i := range rows {
		name := fmt.Sprintf("svc-%03d", i)
		state := "closed"
		if i%3 == 0 {
			state = "open"
		}
		rows[i] = components.Row{Key: name, Cells: components.Texts(name, state, fmt.Sprintf("%d%%", (i*7)%100))}
	}
	return rows
}

func newTable(n, w, h int) components.Table {
	t := components.NewTable(&plain, km.Nav, cols()...)
	t.SetSize(w, h)
	t.SetRows(mkRows(n))
	return t
}

func selectedKey(t *components.Table) string {
	r, ok := t.Selected()
	if !ok {
		return ""
	}
	return r.Key
}

func TestTableNavigation(t *testing.T) {
	tb := newTable(100, 60, 11) // 10 body rows
	steps := []struct {
		key  string
		want string
	}{
		{"j", "svc-001"}, {"down", "svc-002"}, {"k", "svc-001"}, {"up", "svc-000"}, {"up", "svc-000"},
		{"pgdown", "svc-010"}, {"pgup", "svc-000"}, {"G", "svc-099"}, {"j", "svc-099"}, {"g", "svc-000"},
		{"end", "svc-099"}, {"home", "svc-000"},
	}
	for _, s := range steps {
		if !tb.Update(press(s.key)) {
			t.Fatalf("%q not handled", s.key)
		}
		if got := selectedKey(&tb); got != s.want {
			t.Fatalf("after %q: cursor on %s, want %s", s.key, got, s.want)
		}
	}
	if tb.Update(press("enter")) {
		t.Error("enter is the view's, the table must not use it")
	}
	if tb.Update(press("x")) {
		t.Error("unbound key used")
	}
}

func TestTableScrollsToKeepCursorVisible(t *testing.T) {
	tb := newTable(100, 60, 6) // 5 body rows
	for range 7 {
		tb.Update(press("j"))
	}
	v := tb.View()
	lines := strings.Split(v, "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6:\n%s", len(lines), v)
	}
	if !strings.HasPrefix(lines[5], "> svc-007") {
		t.Errorf("cursor row should be the last visible line:\n%s", v)
	}
	if !strings.Contains(lines[1], "svc-003") {
		t.Errorf("first visible row should be svc-003:\n%s", v)
	}
}

func TestTableVisibleIsWhatIsOnScreen(t *testing.T) {
	tb := newTable(100, 60, 6) // 5 body rows
	for range 7 {
		tb.Update(press("j"))
	}
	var got []string
	for _, r := range tb.Visible(nil) {
		got = append(got, r.Key)
	}
	if want := []string{"svc-003", "svc-004", "svc-005", "svc-006", "svc-007"}; !slices.Equal(got, want) {
		t.Errorf("visible %v, want %v", got, want)
	}
	few, none := newTable(3, 60, 6), newTable(3, 60, 0)
	if n := len(few.Visible(nil)); n != 3 {
		t.Errorf("%d visible of 3 rows on 5 lines", n)
	}
	if n := len(none.Visible(nil)); n != 0 {
		t.Errorf("%d visible rows on no lines", n)
	}
}

func TestTableSortIsStableAndCycles(t *testing.T) {
	tb := newTable(9, 60, 20)
	tb.SortBy(1) // STATE ascending: closed before open, equal keep given order
	if k := selectedKey(&tb); k != "svc-001" {
		t.Errorf("a cursor the user never moved should stay on top, got %s", k)
	}
	var got []string
	for i := 0; i < tb.Len(); i++ {
		got = append(got, selectedKey(&tb))
		tb.Update(press("j"))
	}
	want := "svc-001 svc-002 svc-004 svc-005 svc-007 svc-008 svc-000 svc-003 svc-006"
	if strings.Join(got, " ") != want {
		t.Errorf("sorted by state: %v\nwant %s", got, want)
	}

	tb.Update(press("g"))
	tb.Update(press("s")) // next: ERR% (Desc)
	if tb.SortColumn() != 2 {
		t.Fatalf("sort column %d, want 2", tb.SortColumn())
	}
	// (i*7)%100 for i<9 is largest at i=8 (56).
	tb.Update(press("g"))
	if k := selectedKey(&tb); k != "svc-008" {
		t.Errorf("top of ERR%% desc = %s, want svc-008", k)
	}
	if !strings.Contains(tb.View(), "ERR%↓") {
		t.Errorf("header lacks the sort mark:\n%s", tb.View())
	}
	tb.Update(press("s")) // wraps to the natural order
	if tb.SortColumn() != -1 {
		t.Errorf("sort column %d, want -1 after the cycle", tb.SortColumn())
	}
}

func TestTableSortNumericNotLexical(t *testing.T) {
	tb := components.NewTable(&plain, km.Nav, components.Column{Title: "N", Width: 5})
	tb.SetSize(20, 10)
	tb.SetRows([]components.Row{
		{Key: "a", Cells: components.Texts("10ms")},
		{Key: "b", Cells: components.Texts("9ms")},
		{Key: "c", Cells: components.Texts("-")},
		{Key: "d", Cells: components.Texts("100ms")},
	})
	tb.SortBy(0)
	tb.Update(press("g"))
	var got []string
	for range tb.Len() {
		got = append(got, selectedKey(&tb))
		tb.Update(press("j"))
	}
	if strings.Join(got, "") != "badc" {
		t.Errorf("order %v, want b a d c (numbers ascending, text last)", got)
	}
}

func TestTableFilterAndInvert(t *testing.T) {
	tb := newTable(30, 60, 40)
	tb.SetFilter(components.ParseFilter("OPEN"))
	if tb.Len() != 10 || tb.Total() != 30 {
		t.Fatalf("filter open: %d of %d, want 10 of 30", tb.Len(), tb.Total())
	}
	tb.SetFilter(components.ParseFilter("!open"))
	if tb.Len() != 20 {
		t.Fatalf("filter !open: %d, want 20", tb.Len())
	}
	tb.SetFilter(components.ParseFilter("nothing-matches"))
	if tb.Len() != 0 {
		t.Fatal("expected no rows")
	}
	if _, ok := tb.Selected(); ok {
		t.Error("Selected on an empty view should report false")
	}
	if !strings.Contains(tb.View(), "no rows match /nothing-matches") {
		t.Errorf("empty filtered view should say so:\n%s", tb.View())
	}
	tb.SetFilter(components.ParseFilter("!"))
	if tb.Len() != 30 {
		t.Errorf("a lone ! should clear the filter, got %d rows", tb.Len())
	}
}

func TestTableCursorFollowsRowKeyAcrossUpdates(t *testing.T) {
	tb := newTable(50, 60, 11)
	for range 5 {
		tb.Update(press("j"))
	}
	if selectedKey(&tb) != "svc-005" {
		t.Fatal("setup")
	}
	// New snapshot: rows reversed, plus new ones in front.
	rows := mkRows(60)
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	tb.SetRows(rows)
	if k := selectedKey(&tb); k != "svc-005" {
		t.Errorf("cursor moved to %s, want it to stay on svc-005", k)
	}
	// Same screen line as before the update (line 5 of the body).
	lines := strings.Split(tb.View(), "\n")
	if !strings.HasPrefix(lines[6], "> svc-005") {
		t.Errorf("cursor row should keep its screen line:\n%s", strings.Join(lines, "\n"))
	}
	// Filter it out and back: the cursor returns to it.
	tb.SetFilter(components.ParseFilter("svc-01"))
	tb.SetFilter(components.Filter{})
	if k := selectedKey(&tb); k != "svc-005" {
		t.Errorf("after filter round trip cursor on %s", k)
	}
	// Row leaves the data: the cursor lands at the same position, clamped,
	// and that row becomes the selection; it holds when more rows arrive.
	tb.SetRows(mkRows(3))
	if k := selectedKey(&tb); k != "svc-002" {
		t.Errorf("after shrink cursor on %q, want the last row", k)
	}
	tb.SetRows(mkRows(10))
	if k := selectedKey(&tb); k != "svc-002" {
		t.Errorf("after growth cursor on %q, want it to hold on svc-002", k)
	}
}

// feed is a live list newest first, as the traces view holds it: ids
// from..to-1 with the newest on top, at most keep of them (the oldest are
// evicted).
func feed(from, to, keep int) []components.Row {
	var rows []components.Row
	for i := to - 1; i >= from && len(rows) < keep; i-- {
		name := fmt.Sprintf("t%05d", i)
		rows = append(rows, components.Row{Key: name, Cells: components.Texts(name, "ok", "0%")})
	}
	return rows
}

// TestTableSelectionHoldsUnderInsertionsAndEvictions: a live list gains
// rows on top and loses its oldest every update. The selected row stays
// selected, at its screen line, while it is held; once it is evicted the
// cursor settles on one row and holds on it, never sliding with the index.
func TestTableSelectionHoldsUnderInsertionsAndEvictions(t *testing.T) {
	tb := components.NewTable(&plain, km.Nav, cols()...)
	tb.SetSize(60, 11)
	tb.SetRows(feed(0, 100, 80))
	for range 3 {
		tb.Update(press("j"))
	}
	want := selectedKey(&tb) // t00096
	next := 100
	for step := range 10 { // 5 new rows per update, the oldest 5 evicted
		next += 5
		tb.SetRows(feed(0, next, 80))
		if k := selectedKey(&tb); k != want {
			t.Fatalf("update %d: cursor on %s, want %s", step, k, want)
		}
		if lines := strings.Split(tb.View(), "\n"); !strings.HasPrefix(lines[4], "> "+want) {
			t.Fatalf("update %d: the selected row left its screen line:\n%s", step, tb.View())
		}
	}
	// Evicted: the next update drops it; the cursor lands on a neighbour
	// and from then on holds on that row.
	next += 60
	tb.SetRows(feed(0, next, 80))
	landed := selectedKey(&tb)
	if landed == want || landed == "" {
		t.Fatalf("evicted row still selected (%q)", landed)
	}
	for range 5 {
		next += 3
		tb.SetRows(feed(0, next, 80))
		if k := selectedKey(&tb); k != landed {
			t.Fatalf("after eviction the cursor slid from %s to %s", landed, k)
		}
	}
}

// TestTableUntouchedCursorStaysOnTopAndSelectChooses: before the user
// moves, new rows on top take the cursor with them; Select chooses a row by
// Key, which then holds.
func TestTableUntouchedCursorStaysOnTopAndSelectChooses(t *testing.T) {
	tb := components.NewTable(&plain, km.Nav, cols()...)
	tb.SetSize(60, 11)
	tb.SetRows(feed(0, 10, 50))
	tb.SetRows(feed(0, 12, 50))
	if k := selectedKey(&tb); k != "t00011" {
		t.Fatalf("untouched cursor on %s, want the top row", k)
	}
	if tb.Select("nope") {
		t.Fatal("Select of an unknown key reported true")
	}
	if !tb.Select("t00004") || selectedKey(&tb) != "t00004" {
		t.Fatalf("Select: cursor on %s", selectedKey(&tb))
	}
	tb.SetRows(feed(0, 20, 50))
	if k := selectedKey(&tb); k != "t00004" {
		t.Fatalf("selected row did not hold: %s", k)
	}
	// Filtered out, the cursor rests on a neighbour; the filter cleared,
	// it returns, even across a data update meanwhile.
	tb.SetFilter(components.ParseFilter("t0001"))
	rest := selectedKey(&tb)
	tb.SetRows(feed(0, 22, 50))
	if k := selectedKey(&tb); k != rest {
		t.Fatalf("while filtered the cursor slid from %s to %s", rest, k)
	}
	tb.SetFilter(components.Filter{})
	if k := selectedKey(&tb); k != "t00004" {
		t.Fatalf("filter cleared: cursor on %s, want t00004", k)
	}
}

func TestTableViewFitsAndIsSanitized(t *testing.T) {
	hostile := []string{
		"\x1b[2Jcleared", "\x1b]52;c;aGVsbG8=\x07clip", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
		strings.Repeat("t", 10<<10), "日本語のとても長いタグ名前", "a\u202eb", "tab\there\nnl",
	}
	rows := make([]components.Row, len(hostile))
	for i, h := range hostile {
		rows[i] = components.Row{Key: fmt.Sprint(i), Cells: components.Texts(h, h, h)}
	}
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.TrueColor} {
		st := styles.New(prof)
		for _, w := range []int{3, 20, 37, 80, 160} {
			tb := components.NewTable(&st, km.Nav, cols()...)
			tb.SetSize(w, 10)
			tb.SetRows(rows)
			v := tb.View()
			for i, l := range strings.Split(v, "\n") {
				if lw := ansi.StringWidth(l); lw != w {
					t.Errorf("%v w=%d line %d is %d wide: %q", prof, w, i, lw, l)
				}
			}
			if prof == colorprofile.NoTTY && strings.ContainsAny(v, "\x1b\x07\t\u202e\u009b") {
				t.Errorf("w=%d: control or escape reached the output: %q", w, v)
			}
			if strings.Contains(ansi.Strip(v), "\x1b") || strings.Contains(v, "]52;") || strings.Contains(v, "]8;") {
				t.Errorf("w=%d: a hostile sequence reached the output: %q", w, v)
			}
		}
	}
}

func TestTableLayoutFlexAndHidden(t *testing.T) {
	tb := components.NewTable(&plain, km.Nav,
		components.Column{Title: "A", Width: 4, Flex: 1},
		components.Column{Title: "B", Width: 4, Flex: 3},
		components.Column{Title: "C", Width: 50},
	)
	tb.SetSize(30, 3)
	tb.SetRows([]components.Row{{Key: "k", Cells: components.Texts("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbb", "c")}})
	lines := strings.Split(tb.View(), "\n")
	// C does not fit in 30 cells: hidden; A and B share 30-2-4-1-4 = 19
	// spare cells 1:3 (A 4+4, B 4+14+1 rounding).
	if strings.Contains(lines[0], "C") {
		t.Errorf("column C should be hidden: %q", lines[0])
	}
	if got := lines[1]; got != "> aaaaaaa… bbbbbbbbbbbbbbbbbb…" {
		t.Errorf("row = %q", got)
	}
}

func benchTableKeypress(b *testing.B, n int) {
	tb := newTable(n, 160, 46)
	down, up := press("j"), press("k")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%200 < 100 {
			tb.Update(down)
		} else {
			tb.Update(up)
		}
		i++
	}
}

// BenchmarkTableKeypress shows that moving the cursor does not depend on the
// number of rows held.
func BenchmarkTableKeypress(b *testing.B) {
	for _, n := range []int{50, 5000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) { benchTableKeypress(b, n) })
	}
}

func BenchmarkTableView(b *testing.B) {
	for _, prof := range []colorprofile.Profile{colorprofile.NoTTY, colorprofile.TrueColor} {
		b.Run("rows=1000/profile="+prof.String(), func(b *testing.B) {
			st := styles.New(prof)
			tb := components.NewTable(&st, km.Nav, cols()...)
			tb.SetSize(160, 46)
			tb.SetRows(mkRows(1000))
			tb.Update(press("j"))
			b.ReportAllocs()
			for b.Loop() {
				_ = tb.View()
			}
		})
	}
}
