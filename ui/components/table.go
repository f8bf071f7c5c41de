package components

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/styles"
)

// Align is the horizontal alignment of a column's cells.
type Align uint8

// Alignments. The zero value aligns left.
const (
	AlignLeft Align = iota
	AlignRight
)

// Column describes one table column.
type Column struct {
	// Title is the header text.
	Title string
	// Width is the column width in cells. Zero means the width of Title.
	// For a flexible column it is the minimum width.
	Width int
	// Flex, when positive, makes the column share the width left over by
	// the fixed columns, in proportion to Flex. Zero means a fixed column.
	Flex int
	// Align aligns the cells; zero is left.
	Align Align
	// Compare orders two rows when the table is sorted by this column. Nil
	// compares the cells' text: numerically when both parse as numbers
	// (ignoring a trailing unit such as "%" or "ms"), else as lower-cased
	// strings.
	Compare func(a, b Row) int
	// Desc sorts this column largest first. The zero value sorts ascending.
	Desc bool
	// NoSort leaves the column out of the sort cycle.
	NoSort bool
	// KeepEnd cuts text that does not fit from the left ("…bookstore-3"),
	// for names whose end tells them apart. The zero value cuts the end.
	KeepEnd bool
}

// Cell is one table cell: text (sanitized and truncated when drawn, so it
// may be remote text) and the tone it is drawn in.
type Cell struct {
	Text string
	Tone styles.Tone
}

// Row is one table row.
type Row struct {
	// Key identifies the row across data updates: the cursor stays on the
	// row with the same Key when rows are replaced, re-sorted or filtered.
	// Keys should be unique; with duplicates the cursor lands on the first.
	Key string
	// Cells are the row's cells, one per column; missing cells are blank.
	Cells []Cell
	// Tone applies to cells whose own Tone is ToneNormal, e.g. ToneMuted
	// for a stale instance.
	Tone styles.Tone
	// Value is the view's own data for the row, for Column.Compare and for
	// reading back the selection. The table never looks at it.
	Value any
}

// Texts builds cells of normal tone from strings.
func Texts(texts ...string) []Cell {
	cells := make([]Cell, len(texts))
	for i, t := range texts {
		cells[i].Text = t
	}
	return cells
}

// Table is a virtualised, sortable, filterable table with a cursor. Only
// the rows on screen are rendered; moving the cursor costs the same for 50
// rows or 50,000. Replacing the rows, sorting or filtering costs O(n log n).
//
// The zero Table is not usable; build one with NewTable.
type Table struct {
	st   *styles.Styles
	km   keys.Nav
	cols []Column

	rows   []Row
	hay    []string // lower-cased row text, built on first filter use
	view   []int    // indices into rows: filtered, then sorted
	filter Filter
	sortBy int // column index, -1 for the rows' own order

	cursor int // index into view
	offset int // first visible index into view
	// chosen is the Key of the row the user put the cursor on ("" until
	// they move); held is the Key of the row under the cursor after the
	// last change. They differ only while the chosen row is filtered out.
	chosen, held string

	width, height int
	widths        []int
	minw          []int // SetMinWidth's, per column; nil when none was set
	base          []int // widths before the minimums, when there are some

	// Empty is shown when there are no rows; zero means "no rows".
	Empty string
	// Plain draws no cursor: a read-only listing beside a table that has
	// the keyboard. The zero value draws the cursor.
	Plain bool
}

// NewTable returns an empty table with the given columns, styles and keys.
func NewTable(st *styles.Styles, km keys.Nav, cols ...Column) Table {
	t := Table{st: st, km: km, cols: cols, sortBy: -1}
	t.layout()
	return t
}

// SetRows replaces the rows, keeping the filter, the sort and the
// selection by identity (see the package documentation, Selection): the
// cursor stays on the row with the same Key, at the same screen line, and
// rows inserted or removed around it do not move it. A cursor the user has
// not moved yet stays on the top row.
// The table keeps the slice: the caller must not modify it afterwards
// (build a new slice for every update, as immutable snapshots do).
func (t *Table) SetRows(rows []Row) {
	t.rows, t.hay = rows, nil
	t.rebuild()
}

// SetFilter applies f, keeping the cursor on its row when that row still
// matches.
func (t *Table) SetFilter(f Filter) {
	if f == t.filter {
		return
	}
	t.filter = f
	t.rebuild()
}

// Filter returns the current filter.
func (t *Table) Filter() Filter { return t.filter }

// SortBy sorts by column col (its Desc decides the direction); -1 or an
// out-of-range column restores the rows' own order. Sorting is stable:
// equal rows keep the order they were given in.
func (t *Table) SortBy(col int) {
	if col < 0 || col >= len(t.cols) {
		col = -1
	}
	t.sortBy = col
	t.rebuild()
}

// SortColumn returns the sort column, -1 for the rows' own order.
func (t *Table) SortColumn() int { return t.sortBy }

// CycleSort moves the sort to the next sortable column; after the last it
// returns to the rows' own order.
func (t *Table) CycleSort() {
	for c := t.sortBy + 1; c < len(t.cols); c++ {
		if !t.cols[c].NoSort {
			t.SortBy(c)
			return
		}
	}
	t.SortBy(-1)
}

// Len is the number of rows shown (after the filter); Total counts all.
func (t *Table) Len() int { return len(t.view) }

// Total is the number of rows held, filtered out or not.
func (t *Table) Total() int { return len(t.rows) }

// Cursor is the cursor's index among the shown rows.
func (t *Table) Cursor() int { return t.cursor }

// Selected returns the row under the cursor; false when no row is shown.
func (t *Table) Selected() (Row, bool) {
	if len(t.view) == 0 {
		return Row{}, false
	}
	return t.rows[t.view[t.cursor]], true
}

// Visible appends the rows on screen to dst, top to bottom, and returns
// it: what a view asks to have refreshed first. A caller that passes the
// last result back, emptied, allocates nothing once it has room.
func (t *Table) Visible(dst []Row) []Row {
	end := min(len(t.view), t.offset+max(0, t.bodyHeight()))
	for _, i := range t.view[min(t.offset, end):end] {
		dst = append(dst, t.rows[i])
	}
	return dst
}

// Select puts the cursor on the shown row with the given Key and makes it
// the selection, as if the user had moved there (a view that follows the
// newest row, or opens a row by name, calls it). It reports false, and
// changes nothing, when no shown row has that Key.
func (t *Table) Select(key string) bool {
	i := t.indexOf(key)
	if key == "" || i < 0 {
		return false
	}
	t.moveTo(i)
	return true
}

// Update moves the cursor for the navigation keys (up, down, page up/down,
// top, bottom) and cycles the sort for the sort key. It reports whether it
// used the message; enter is left to the view (drill down).
func (t *Table) Update(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false
	}
	page := max(1, t.bodyHeight())
	switch {
	case key.Matches(k, t.km.Down):
		t.moveTo(t.cursor + 1)
	case key.Matches(k, t.km.Up):
		t.moveTo(t.cursor - 1)
	case key.Matches(k, t.km.PageDown):
		t.moveTo(t.cursor + page)
	case key.Matches(k, t.km.PageUp):
		t.moveTo(t.cursor - page)
	case key.Matches(k, t.km.Top):
		t.moveTo(0)
	case key.Matches(k, t.km.Bottom):
		t.moveTo(len(t.view) - 1)
	case key.Matches(k, t.km.Sort):
		t.CycleSort()
	default:
		return false
	}
	return true
}

// moveTo puts the cursor on view index i (clamped), makes its row the
// chosen one and scrolls just enough to keep it visible. O(1).
func (t *Table) moveTo(i int) {
	t.place(i)
	t.chosen = t.held
}

// place is moveTo without choosing the row: after a filter or sort the
// cursor keeps wanting the row the user chose, so it returns to it when a
// filter lets it back.
func (t *Table) place(i int) {
	t.cursor = max(0, min(i, len(t.view)-1))
	t.held = ""
	if len(t.view) > 0 {
		t.held = t.rows[t.view[t.cursor]].Key
	}
	h := max(1, t.bodyHeight())
	if t.cursor < t.offset {
		t.offset = t.cursor
	} else if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, min(t.offset, len(t.view)-h))
}

// rebuild recomputes the shown rows and puts the cursor back by identity,
// at the same screen line where possible:
//   - on the chosen row when it is shown;
//   - else on the row that was under the cursor (a neighbour the cursor
//     rests on while the chosen row is filtered out), when it is shown;
//   - else at the same index, clamped.
//
// When the chosen row has left the data (not merely the filter), the row
// the cursor lands on becomes the chosen one, so that the cursor then
// holds still on it instead of sliding with the index as rows come and go.
// An untouched cursor (nothing chosen) stays at its index: the top row.
func (t *Table) rebuild() {
	line := t.cursor - t.offset
	t.view = t.view[:0]
	if t.filter.Active() {
		t.buildHay()
	}
	for i := range t.rows {
		if !t.filter.Active() || t.filter.Match(t.hay[i]) {
			t.view = append(t.view, i)
		}
	}
	if t.sortBy >= 0 {
		t.sortView()
	}
	cursor := -1
	if t.chosen != "" {
		cursor = t.indexOf(t.chosen)
		if cursor < 0 && t.held != "" {
			cursor = t.indexOf(t.held)
		}
	}
	if cursor < 0 {
		cursor = t.cursor
	}
	t.cursor = max(0, min(cursor, len(t.view)-1))
	t.offset = t.cursor - max(0, line)
	t.place(t.cursor)
	if t.chosen != "" && t.held != t.chosen && !slices.ContainsFunc(t.rows, func(r Row) bool { return r.Key == t.chosen }) {
		t.chosen = t.held
	}
}

// indexOf is the view index of the first shown row with the given Key, -1
// when none is shown.
func (t *Table) indexOf(key string) int {
	return slices.IndexFunc(t.view, func(i int) bool { return t.rows[i].Key == key })
}

func (t *Table) buildHay() {
	if t.hay != nil {
		return
	}
	t.hay = make([]string, len(t.rows))
	var b strings.Builder
	for i, r := range t.rows {
		b.Reset()
		for _, c := range r.Cells {
			b.WriteString(c.Text)
			b.WriteByte('\t')
		}
		t.hay[i] = strings.ToLower(b.String())
	}
}

// sortKey is a cell's text parsed once per sort.
type sortKey struct {
	num   float64
	isNum bool
	text  string
}

func (t *Table) sortView() {
	col := t.cols[t.sortBy]
	sign := 1
	if col.Desc {
		sign = -1
	}
	if col.Compare != nil {
		slices.SortStableFunc(t.view, func(a, b int) int {
			return sign * col.Compare(t.rows[a], t.rows[b])
		})
		return
	}
	keys := make([]sortKey, len(t.rows))
	for _, i := range t.view {
		keys[i] = parseSortKey(t.rows[i], t.sortBy)
	}
	slices.SortStableFunc(t.view, func(a, b int) int {
		ka, kb := &keys[a], &keys[b]
		if ka.isNum && kb.isNum {
			return sign * cmp.Compare(ka.num, kb.num)
		}
		if ka.isNum != kb.isNum { // numbers before text, whatever the direction
			if ka.isNum {
				return -1
			}
			return 1
		}
		return sign * strings.Compare(ka.text, kb.text)
	})
}

func parseSortKey(r Row, col int) sortKey {
	if col >= len(r.Cells) {
		return sortKey{}
	}
	s := strings.TrimSpace(r.Cells[col].Text)
	num := strings.TrimRightFunc(s, func(c rune) bool { return c == '%' || (c >= 'a' && c <= 'z') || c == 'µ' })
	if num != "" && (num[0] == '-' || num[0] == '+' || num[0] == '.' || (num[0] >= '0' && num[0] <= '9')) {
		if f, err := strconv.ParseFloat(num, 64); err == nil {
			return sortKey{num: f, isNum: true}
		}
	}
	return sortKey{text: strings.ToLower(s)}
}
