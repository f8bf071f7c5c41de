package root

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
	"github.com/kitbench/kitbench/ui/sanitize"
)

// bodySize is the area a view draws in: the window less the chrome lines.
func (m *Model) bodySize() (int, int) {
	return m.width, max(0, m.height-chrome)
}

func (m *Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

// resize gives every view of every tab the body size.
func (m *Model) resize() {
	w, h := m.bodySize()
	for i := range m.tabs {
		for _, e := range m.tabs[i].stack {
			e.view.SetSize(w, h)
		}
	}
}

// View draws the screen. It reads the model and calls the views' View; it
// changes nothing.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = m.opts.Name
	if !m.tooSmall() && (m.mode == modeCommand || m.mode == modeFilter) {
		v.Cursor = tea.NewCursor(m.input.CursorX(m.width), m.height-1)
	}
	return v
}

// Render returns the screen's text: exactly height lines, none wider than
// width cells. View wraps it in a tea.View; tests read it directly.
func (m *Model) Render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.tooSmall() {
		return components.TooSmall(m.st, m.width, m.height, MinWidth, MinHeight)
	}
	w, h := m.bodySize()
	top := m.top()
	keymap := components.KeyMaps{top.view, m.keys.Global}
	if len(m.tabs[m.focus].stack) > 1 {
		keymap = components.KeyMaps{top.view, backHelp{m.keys.Global.Back}, m.keys.Global}
	}

	var b strings.Builder
	b.Grow((w + 32) * m.height)
	b.WriteString(m.header())
	b.WriteByte('\n')
	var body string
	if m.mode == modeHelp {
		body = components.HelpView(m.st, keymap, w, h)
	} else {
		body = top.view.View()
	}
	fitLines(&b, body, w, h)
	b.WriteByte('\n')

	st := m.status
	if top.filter != "" {
		st.Right = "/" + top.filter
	}
	b.WriteString(st.View(m.st, w))
	b.WriteByte('\n')
	switch m.mode {
	case modeCommand, modeFilter:
		b.WriteString(m.input.View(w))
	default:
		b.WriteString(components.ShortHelp(m.st, keymap, w))
	}
	return b.String()
}

// header is the application name, the numbered tabs and, when views were
// pushed on the focused tab, their titles as a path.
func (m *Model) header() string {
	var b strings.Builder
	b.WriteString(m.st.Header.Render(" " + m.opts.Name + " "))
	for i, t := range m.tabs {
		label := " " + sanitize.Line(t.stack[0].view.Title(), 24) + " "
		if i < 9 {
			label = " " + strconv.Itoa(i+1) + label
		}
		b.WriteByte(' ')
		if i == m.focus {
			b.WriteString(m.st.ActiveTab.Render(label))
		} else {
			b.WriteString(m.st.Tab.Render(label))
		}
	}
	if stack := m.tabs[m.focus].stack; len(stack) > 1 {
		for _, e := range stack[1:] {
			b.WriteString(" › ")
			b.WriteString(m.st.Title.Render(sanitize.Line(e.view.Title(), 32)))
		}
	}
	return ansi.Truncate(b.String(), m.width, "…")
}

// fitLines writes exactly h lines of body, each cut to w cells; a view that
// renders too wide or too tall cannot break the layout.
func fitLines(b *strings.Builder, body string, w, h int) {
	for i := range h {
		if i > 0 {
			b.WriteByte('\n')
		}
		line, rest, _ := strings.Cut(body, "\n")
		body = rest
		if ansi.StringWidth(line) > w {
			line = ansi.Truncate(line, w, "")
		}
		b.WriteString(line)
	}
}

// FocusedTab returns the ID of the focused tab.
func (m *Model) FocusedTab() ui.ViewID { return m.tabs[m.focus].id }

// backHelp puts esc in the short help while a pushed view is shown (the
// full help lists it already).
type backHelp struct{ back key.Binding }

func (b backHelp) ShortHelp() []key.Binding  { return []key.Binding{b.back} }
func (b backHelp) FullHelp() [][]key.Binding { return nil }
