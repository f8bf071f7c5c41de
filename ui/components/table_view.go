package components

import (
	"strings"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

const (
	gutter    = 2 // cursor marker and a space
	cursorMrk = "> "
	colGap    = 1
)

// SetSize sets the area the table draws in: one header line and
// height-1 rows. Columns are laid out again; the cursor stays visible.
func (t *Table) SetSize(width, height int) {
	t.width, t.height = max(0, width), max(0, height)
	t.layout()
	t.place(t.cursor)
}

func (t *Table) bodyHeight() int { return t.height - 1 }

// layout gives each column its width: fixed columns first, then flexible
// columns share what is left by weight. Columns that do not fit at all are
// hidden from the right (width 0). Then the columns given a minimum width
// take it from the flexible ones (widen).
func (t *Table) layout() {
	t.spread()
	if t.minw != nil {
		t.base = append(t.base[:0], t.widths...)
		t.widen()
	}
}

// SetMinWidth makes column col at least w cells wide while it is shown,
// for a cell that must be read whole (a countdown); zero removes the
// minimum. The cells come from the flexible columns: first from what
// they hold beyond their Width, then down to their titles' width, so
// their text is cut instead (no column is hidden for it). Room says how
// wide col can get without cutting the flexible columns below their
// Width.
func (t *Table) SetMinWidth(col, w int) {
	if col < 0 || col >= len(t.cols) {
		return
	}
	if t.minw == nil {
		if w <= 0 {
			return
		}
		t.minw = make([]int, len(t.cols))
	}
	if t.minw[col] == w {
		return
	}
	t.minw[col] = w
	t.layout()
}

// Width is the width column col is drawn at; 0 when it is hidden.
func (t *Table) Width(col int) int {
	if col < 0 || col >= len(t.widths) {
		return 0
	}
	return t.widths[col]
}

// Room is the widest column col can be made by SetMinWidth while the
// flexible columns keep their Width, whatever minimum it has now; 0 when
// col is hidden.
func (t *Table) Room(col int) int {
	widths := t.widths
	if t.minw != nil {
		widths = t.base // before any minimum
	}
	if col < 0 || col >= len(widths) || widths[col] == 0 {
		return 0
	}
	w := widths[col]
	for j, c := range t.cols {
		if j != col && c.Flex > 0 && widths[j] > 0 {
			w += max(0, widths[j]-c.Width)
		}
	}
	return w
}

// widen gives the shown columns their minimum width, a cell at a time
// from the flexible column with the most to spare: above its Width
// first, then above its title's width.
func (t *Table) widen() {
	for i, want := range t.minw {
		for _, titleFloor := range []bool{false, true} {
			for t.widths[i] > 0 && t.widths[i] < want {
				donor, most := -1, 0
				for j, c := range t.cols {
					if j == i || c.Flex == 0 || t.widths[j] == 0 {
						continue
					}
					floor := max(1, ansi.StringWidth(c.Title))
					if !titleFloor {
						floor = max(floor, c.Width)
					}
					if spare := t.widths[j] - floor; spare > most {
						donor, most = j, spare
					}
				}
				if donor < 0 {
					break
				}
				t.widths[donor]--
				t.widths[i]++
			}
		}
	}
}

// spread is the first step of layout: the columns' widths before any
// minimum.
func (t *Table) spread() {
	if cap(t.widths) < len(t.cols) {
		t.widths = make([]int, len(t.cols))
	}
	t.widths = t.widths[:len(t.cols)]
	avail := t.width - gutter
	used, flex := 0, 0
	for i, c := range t.cols {
		w := c.Width
		if w <= 0 {
			w = ansi.StringWidth(c.Title)
		}
		need := w
		if i > 0 {
			need += colGap
		}
		if used+need > avail {
			for j := i; j < len(t.cols); j++ {
				t.widths[j] = 0
			}
			break
		}
		t.widths[i] = w
		used += need
		flex += c.Flex
	}
	if flex == 0 || used >= avail {
		return
	}
	spare, left := avail-used, avail-used
	last := -1
	for i, c := range t.cols {
		if c.Flex > 0 && t.widths[i] > 0 {
			extra := spare * c.Flex / flex
			t.widths[i] += extra
			left -= extra
			last = i
		}
	}
	if last >= 0 {
		t.widths[last] += left
	}
}

// View renders the header and the visible rows: at most height lines, each
// exactly width cells wide. Cost is proportional to the visible rows only.
func (t *Table) View() string {
	if t.width <= gutter || t.height <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow((t.height + 1) * (t.width + 16))
	t.header(&b)
	if len(t.view) == 0 {
		msg := t.Empty
		if msg == "" {
			msg = "no rows"
		}
		if t.filter.Active() {
			msg = "no rows match /" + t.filter.String()
		}
		if t.height > 1 {
			b.WriteString("\n  ")
			b.WriteString(t.st.Tone(styles.ToneMuted).Render(pad(sanitize.Line(msg, t.width-gutter), t.width-gutter, AlignLeft)))
		}
		return b.String()
	}
	end := min(len(t.view), t.offset+t.bodyHeight())
	for i := t.offset; i < end; i++ {
		b.WriteByte('\n')
		t.row(&b, &t.rows[t.view[i]], i == t.cursor && !t.Plain)
	}
	return b.String()
}

func (t *Table) header(b *strings.Builder) {
	var h strings.Builder
	h.WriteString("  ")
	for i, c := range t.cols {
		w := t.widths[i]
		if w == 0 {
			break
		}
		if i > 0 {
			h.WriteByte(' ')
		}
		title := c.Title
		if i == t.sortBy {
			if c.Desc {
				title += "↓"
			} else {
				title += "↑"
			}
		}
		h.WriteString(pad(sanitize.Line(title, w), w, c.Align))
	}
	h.WriteString(strings.Repeat(" ", max(0, t.width-ansi.StringWidth(h.String()))))
	b.WriteString(t.st.TableHeader.Render(h.String()))
}

func (t *Table) row(b *strings.Builder, r *Row, selected bool) {
	plain := selected || t.st.Profile <= colorprofile.NoTTY // styles are empty
	var line strings.Builder
	if selected {
		line.WriteString(cursorMrk)
	} else {
		line.WriteString("  ")
	}
	used := gutter
	for i := range t.cols {
		w := t.widths[i]
		if w == 0 {
			break
		}
		if i > 0 {
			line.WriteByte(' ')
			used++
		}
		var c Cell
		if i < len(r.Cells) {
			c = r.Cells[i]
		}
		text := pad(cellText(c.Text, w, t.cols[i].KeepEnd), w, t.cols[i].Align)
		used += w
		tone := c.Tone
		if tone == styles.ToneNormal {
			tone = r.Tone
		}
		if plain || tone == styles.ToneNormal {
			line.WriteString(text)
		} else {
			line.WriteString(t.st.Tone(tone).Render(text))
		}
	}
	for ; used < t.width; used++ {
		line.WriteByte(' ')
	}
	if selected {
		b.WriteString(t.st.Selected.Render(line.String()))
		return
	}
	b.WriteString(line.String())
}

// pad fits s (already at most w cells wide) into exactly w cells.
func pad(s string, w int, a Align) string {
	n := w - ansi.StringWidth(s)
	if n <= 0 {
		return s
	}
	if a == AlignRight {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

// cellText sanitizes s into at most w cells, cutting the end, or with
// keepEnd the start.
func cellText(s string, w int, keepEnd bool) string {
	if !keepEnd {
		return sanitize.Line(s, w)
	}
	s = sanitize.Line(s, 0)
	over := ansi.StringWidth(s) - w
	if over <= 0 {
		return s
	}
	if w < 1 {
		return ""
	}
	cut := ansi.TruncateLeft(s, over+1, "")
	for n := over + 2; ansi.StringWidth(cut) > w-1; n++ { // a wide rune straddled the cut
		cut = ansi.TruncateLeft(s, n, "")
	}
	return sanitize.Ellipsis + cut
}
