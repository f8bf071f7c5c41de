package call

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// maxBody is the most runes the editor holds.
const maxBody = 1 << 20

// editor is the request body: bubbles' textarea for the editing, drawn
// here so that it follows the workbench's styles and rules (no soft wrap,
// no escape sequence of its own, the cursor drawn with the Selected
// style). Its commands (cursor blink, clipboard) are dropped: the
// terminal's bracketed paste arrives as tea.PasteMsg anyway.
type editor struct {
	ta             textarea.Model
	rowOff, colOff int
}

func newEditor() editor {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.CharLimit = maxBody
	ta.MaxHeight = 0
	ta.MaxWidth = 0
	ta.SetWidth(4096) // wide enough never to wrap: up and down move by lines
	ta.SetVirtualCursor(false)
	ta.KeyMap.Paste = key.NewBinding(key.WithDisabled())
	ta.KeyMap.CopySelection = key.NewBinding(key.WithDisabled())
	ta.Focus()
	return editor{ta: ta}
}

func (e *editor) value() string { return e.ta.Value() }

func (e *editor) set(s string) {
	e.ta.SetValue(s)
	e.ta.MoveToBegin()
	e.rowOff, e.colOff = 0, 0
}

// update feeds a key press or a paste to the textarea.
func (e *editor) update(msg tea.Msg) {
	e.ta, _ = e.ta.Update(msg)
}

// view draws the body in w×h cells; the cursor is shown when focused.
func (e *editor) view(st *styles.Styles, w, h int, focused bool) []string {
	if w <= 0 || h <= 0 {
		return nil
	}
	lines := strings.Split(e.ta.Value(), "\n")
	row, col := e.ta.Line(), e.ta.Column()
	if row < e.rowOff {
		e.rowOff = row
	} else if row >= e.rowOff+h {
		e.rowOff = row - h + 1
	}
	if col < e.colOff {
		e.colOff = col
	} else if col >= e.colOff+w-1 {
		e.colOff = col - w + 2
	}
	out := make([]string, 0, h)
	for i := e.rowOff; i < min(len(lines), e.rowOff+h); i++ {
		rs := []rune(lines[i])
		start := min(e.colOff, len(rs))
		if !(focused && i == row) {
			out = append(out, ansi.Truncate(sanitize.Line(string(rs[start:]), 0), w, ""))
			continue
		}
		c := min(col, len(rs))
		before := sanitize.Line(string(rs[start:c]), 0)
		under, after := " ", ""
		if c < len(rs) {
			under, after = string(rs[c]), sanitize.Line(string(rs[c+1:]), 0)
		}
		under = sanitize.Line(under, 0)
		if under == "" {
			under = " "
		}
		line := before + st.Selected.Render(under) + after
		out = append(out, ansi.Truncate(line, w, ""))
	}
	return out
}
