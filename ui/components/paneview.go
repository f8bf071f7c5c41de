package components

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/keys"
	"github.com/kitbench/kitbench/ui/sanitize"
	"github.com/kitbench/kitbench/ui/styles"
)

// PaneView shows one body in a Pane of its own, under a heading line: the
// view a host pushes (ui.Push) when its inline preview of a response,
// diff or error text is cut. esc (the root) goes back. It holds a copy of
// the text: the host's later updates do not move it.
type PaneView struct {
	st    *styles.Styles
	km    keys.Pane
	title string
	head  string
	pane  Pane
	w, h  int
}

// NewPaneView returns a view titled title (the header's path) showing
// head on its first line and text, scrollable, below.
func NewPaneView(st *styles.Styles, km keys.Pane, title, head, text string) *PaneView {
	v := &PaneView{st: st, km: km, title: title, head: head, pane: NewPane(st, km)}
	v.pane.Name = title
	v.pane.SetText(text)
	return v
}

// Title implements ui.View.
func (v *PaneView) Title() string { return v.title }

// SetSize implements ui.View.
func (v *PaneView) SetSize(w, h int) {
	v.w, v.h = max(0, w), max(0, h)
	v.pane.SetSize(v.w, max(0, v.h-1))
}

// Pane returns the view's pane, for tests and hosts.
func (v *PaneView) Pane() *Pane { return &v.pane }

// Update implements ui.View.
func (v *PaneView) Update(msg tea.Msg) (ui.View, tea.Cmd) {
	_, cmd := v.pane.Update(msg)
	return v, cmd
}

// View implements ui.View.
func (v *PaneView) View() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	head := v.st.Title.Render(sanitize.Line(v.head, v.w))
	if v.h == 1 {
		return head
	}
	return head + "\n" + v.pane.View()
}

// ShortHelp implements help.KeyMap.
func (v *PaneView) ShortHelp() []key.Binding { return v.km.ShortHelp() }

// FullHelp implements help.KeyMap.
func (v *PaneView) FullHelp() [][]key.Binding { return v.km.FullHelp() }
