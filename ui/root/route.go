package root

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
)

// key handles a key press: global keys and modes first, then the focused
// view.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	g := m.keys.Global
	if key.Matches(k, g.ForceQuit) {
		return tea.Quit
	}
	if c, ok := m.top().view.(ui.KeyCapturer); ok && m.mode == modeNormal && !m.tooSmall() && c.CapturesKeys() {
		return m.updateFocused(k)
	}
	switch m.mode {
	case modeCommand, modeFilter:
		return m.edit(k)
	case modeHelp:
		if key.Matches(k, g.Quit) || key.Matches(k, g.Help) || key.Matches(k, g.Back) {
			m.mode = modeNormal
		}
		return nil
	case modeConfirm:
		m.mode = modeNormal
		if key.Matches(k, g.Confirm) {
			return tea.Quit
		}
		return nil // any other key keeps the workbench
	}
	if m.tooSmall() {
		if key.Matches(k, g.Quit) {
			return tea.Quit
		}
		return nil
	}
	switch {
	case key.Matches(k, g.Quit):
		return m.quit()
	case key.Matches(k, g.Help):
		m.mode = modeHelp
	case key.Matches(k, g.Command):
		m.open(modeCommand, ":", "")
	case key.Matches(k, g.Filter):
		m.before = m.top().filter
		m.open(modeFilter, "/", m.before)
	case key.Matches(k, g.NextView):
		m.focusTab((m.focus + 1) % len(m.tabs))
	case key.Matches(k, g.PrevView):
		m.focusTab((m.focus + len(m.tabs) - 1) % len(m.tabs))
	case key.Matches(k, g.GoToView):
		if i := int(k.Code - '1'); i >= 0 && i < len(m.tabs) {
			m.focusTab(i)
		}
	case key.Matches(k, g.Back):
		return m.back(k)
	default:
		return m.updateFocused(k)
	}
	return nil
}

// open starts the command or filter input.
func (m *Model) open(md mode, prompt, value string) {
	m.mode = md
	m.input.Prompt = prompt
	m.input.Candidates = nil
	if md == modeCommand {
		for _, t := range m.tabs {
			m.input.Candidates = append(m.input.Candidates, string(t.id))
		}
		m.input.Candidates = append(m.input.Candidates, "help", "quit")
	}
	m.input.SetValue(value)
}

// edit feeds the open input; the filter is applied live.
func (m *Model) edit(msg tea.Msg) tea.Cmd {
	switch m.input.Update(msg) {
	case components.InputChanged:
		if m.mode == modeFilter {
			return m.filter(m.input.Value())
		}
	case components.InputAccepted:
		md := m.mode
		m.mode = modeNormal
		if md == modeCommand {
			return m.exec(m.input.Value())
		}
	case components.InputCanceled:
		md := m.mode
		m.mode = modeNormal
		if md == modeFilter {
			return m.filter(m.before)
		}
	}
	return nil
}

// exec runs a ':' command: a tab ID (or unique prefix), with words after
// it given to the tab's view as ui.CommandMsg, help, or quit.
func (m *Model) exec(line string) tea.Cmd {
	c := strings.ToLower(strings.TrimSpace(line))
	switch c {
	case "":
		return nil
	case "q", "q!", "quit", "exit":
		return tea.Quit
	case "help", "h":
		m.mode = modeHelp
		return nil
	}
	c, args, _ := strings.Cut(c, " ")
	if args != "" { // the words after the name, as typed
		_, args, _ = strings.Cut(strings.TrimSpace(line), " ")
		args = strings.TrimSpace(args)
	}
	match := -1
	for i, t := range m.tabs {
		id := strings.ToLower(string(t.id))
		if id == c {
			match = i
			break
		}
		if strings.HasPrefix(id, c) {
			if match >= 0 {
				return ui.Notify(ui.Error, "ambiguous :"+line+" ("+m.names()+")")
			}
			match = i
		}
	}
	if match < 0 {
		return ui.Notify(ui.Error, "no view :"+line+" (try "+m.names()+")")
	}
	m.focusTab(match)
	if args != "" {
		return m.updateEntry(&m.tabs[match].stack[0], ui.CommandMsg{Args: args})
	}
	return nil
}

func (m *Model) names() string {
	var b strings.Builder
	for i, t := range m.tabs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(":" + string(t.id))
	}
	return b.String()
}

// filter sends the query to the focused view and remembers it.
func (m *Model) filter(q string) tea.Cmd {
	t := &m.tabs[m.focus]
	e := &t.stack[len(t.stack)-1]
	e.filter = q
	return m.updateEntry(e, ui.FilterMsg{Query: q})
}

// quit is q in normal mode: back a level (pop a pushed view), and at the
// top ask before quitting; ':q' and ctrl+c quit at once.
func (m *Model) quit() tea.Cmd {
	if t := &m.tabs[m.focus]; len(t.stack) > 1 {
		m.pop()
		return nil
	}
	m.mode = modeConfirm
	return nil
}

func (m *Model) pop() {
	t := &m.tabs[m.focus]
	t.stack[len(t.stack)-1] = entry{}
	t.stack = t.stack[:len(t.stack)-1]
}

// back is esc in normal mode: clear the filter, else pop a pushed view,
// else let the view have it.
func (m *Model) back(k tea.KeyPressMsg) tea.Cmd {
	t := &m.tabs[m.focus]
	switch {
	case t.stack[len(t.stack)-1].filter != "":
		return m.filter("")
	case len(t.stack) > 1:
		m.pop()
		return nil
	}
	return m.updateFocused(k)
}

func (m *Model) focusTab(i int) { m.focus = i }

func (m *Model) top() *entry {
	t := &m.tabs[m.focus]
	return &t.stack[len(t.stack)-1]
}

func (m *Model) push(v ui.View) {
	if v == nil {
		return
	}
	v.SetSize(m.bodySize())
	t := &m.tabs[m.focus]
	t.stack = append(t.stack, entry{view: v})
}

func (m *Model) updateEntry(e *entry, msg tea.Msg) tea.Cmd {
	v, cmd := e.view.Update(msg)
	if v != nil {
		e.view = v
	}
	return cmd
}

func (m *Model) updateFocused(msg tea.Msg) tea.Cmd { return m.updateEntry(m.top(), msg) }

// deliver gives msg to every view of the tab named to; unknown tabs drop it.
func (m *Model) updateStack(t *tab, msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for j := range t.stack {
		if c := m.updateEntry(&t.stack[j], msg); c != nil {
			cmds = append(cmds, c)
		}
	}
	return tea.Batch(cmds...)
}

// broadcast gives msg to every view of every tab.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := range m.tabs {
		if c := m.updateStack(&m.tabs[i], msg); c != nil {
			cmds = append(cmds, c)
		}
	}
	return tea.Batch(cmds...)
}
