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
	"github.com/kitbench/kitbench/ui/styles"
)

// bodySize is the area a view draws in: the window less the chrome lines.
func (m *Model) bodySize() (int, int) {
	return m.width, max(0, m.height-chrome-max(0, m.statusH-1))
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
	keymap := m.keyMap()

	var b strings.Builder
	b.Grow((w + 32) * m.height)
	b.WriteString(m.header())
	b.WriteByte('\n')
	var body string
	switch {
	case m.mode == modeHelp:
		body = components.HelpView(m.st, keymap, w, h)
	case m.showsEmpty():
		body = m.emptyView(w, h)
	default:
		body = top.view.View()
	}
	fitLines(&b, body, w, h)
	b.WriteByte('\n')

	for _, l := range m.status.Lines(m.st, w, m.statusH) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	switch m.mode {
	case modeCommand, modeFilter:
		b.WriteString(m.input.View(w))
	case modeConfirm:
		b.WriteString(m.st.Tone(styles.ToneWarn).Render(ansi.Truncate(
			" Quit "+m.opts.Name+"? y or enter quits · any other key stays · ctrl+c quits at once", w, "…")))
	default:
		b.WriteString(components.ShortHelp(m.st, keymap, w))
	}
	return b.String()
}

// keyMap is the help of what has the keyboard: the focused view's keys,
// then esc when a view was pushed, then the global keys — except while
// the view edits text, when only the view's keys and ctrl+c work.
func (m *Model) keyMap() components.KeyMaps {
	top := m.top()
	g := m.keys.Global
	if c, ok := top.view.(ui.KeyCapturer); ok && c.CapturesKeys() {
		return components.KeyMaps{top.view, forceQuitHelp{g.ForceQuit}}
	}
	if len(m.tabs[m.focus].stack) > 1 {
		return components.KeyMaps{top.view, backHelp{g.Back}, g}
	}
	return components.KeyMaps{top.view, g}
}

// showsEmpty reports whether the body is the empty-fleet message: the
// fleet is empty and the focused view is a tab's own view that needs it.
func (m *Model) showsEmpty() bool {
	if len(m.empty.Lines) == 0 || len(m.tabs[m.focus].stack) > 1 {
		return false
	}
	o, ok := m.top().view.(Offline)
	return !ok || !o.Offline()
}

// emptyView is the empty-fleet message, wrapped to the body's width.
func (m *Model) emptyView(w, h int) string {
	lines := []string{"", " " + m.st.Title.Render(sanitize.Line(m.empty.Title, w-2)), ""}
	for _, l := range m.empty.Lines {
		if l == "" {
			lines = append(lines, "")
			continue
		}
		for _, wl := range strings.Split(ansi.Wrap(sanitize.Line(l, 0), max(1, w-4), " "), "\n") {
			lines = append(lines, "  "+wl)
		}
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

// header is the application name, the numbered tabs and, when views were
// pushed on the focused tab, their titles as a path.
//
// The focused view's title carries its filter, k9s-style: "4/17 ·
// /GetBook" (the counts when the view is a Counter). When the tabs do not
// fit, the others shrink to their numbers.
func (m *Model) header() string {
	stack := m.tabs[m.focus].stack
	filter := m.filterLabel(&stack[len(stack)-1])
	build := func(short bool) string {
		var b strings.Builder
		b.WriteString(m.st.Header.Render(" " + m.opts.Name + " "))
		for i, t := range m.tabs {
			title := sanitize.Line(t.stack[0].view.Title(), 24)
			if short && i != m.focus {
				title = ""
			}
			label := " " + title + " "
			if i < 9 {
				label = " " + strconv.Itoa(i+1) + label
			}
			if title == "" {
				label = label[:len(label)-1]
			}
			if i == m.focus && len(stack) == 1 && filter != "" {
				label += filter + " "
			}
			b.WriteByte(' ')
			if i == m.focus {
				b.WriteString(m.st.ActiveTab.Render(label))
			} else {
				b.WriteString(m.st.Tab.Render(label))
			}
		}
		for i, e := range stack[1:] {
			b.WriteString(" › ")
			b.WriteString(m.st.Title.Render(sanitize.Line(e.view.Title(), 32)))
			if i == len(stack)-2 && filter != "" {
				b.WriteString(" " + m.st.ActiveTab.Render(" "+filter+" "))
			}
		}
		return b.String()
	}
	h := build(false)
	if ansi.StringWidth(h) > m.width {
		h = build(true)
	}
	return ansi.Truncate(h, m.width, "…")
}

// filterLabel is "4/17 · /GetBook" for an entry with a filter ("/GetBook"
// when its view does not count), "" without one.
func (m *Model) filterLabel(e *entry) string {
	if e.filter == "" {
		return ""
	}
	f := sanitize.Line("/"+e.filter, 40)
	if c, ok := e.view.(Counter); ok {
		shown, total := c.Count()
		return strconv.Itoa(shown) + "/" + strconv.Itoa(total) + " · " + f
	}
	return f
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

// forceQuitHelp is the only global key while a view edits text.
type forceQuitHelp struct{ quit key.Binding }

func (f forceQuitHelp) ShortHelp() []key.Binding  { return []key.Binding{f.quit} }
func (f forceQuitHelp) FullHelp() [][]key.Binding { return [][]key.Binding{{f.quit}} }
