// Package keys holds every key binding of the workbench with its help text,
// k9s-style: ':' command mode, '/' filter ('!' prefix inverts), '?' help,
// esc back, enter drill down, tab and 1..9 between views, q goes back a
// level and quits (after a confirmation) at the top, vi-style navigation. No other package under ui/ spells a key.
//
// # Usage
//
// Build one [Map] with [Default] and pass it down; match with key.Matches:
//
//	if key.Matches(msg, km.Nav.Down) { ... }
//
// Bindings are plain values: a view that needs a binding disabled copies the
// Map and calls SetEnabled on its copy.
package keys

import "charm.land/bubbles/v2/key"

// Global are the keys the root model handles before any view sees them.
type Global struct {
	Quit      key.Binding // q: back a level; at the top, quit after a confirmation
	ForceQuit key.Binding // ctrl+c: quits at once from any mode, even text input
	Confirm   key.Binding // y, enter, q: confirms the quit question
	Help      key.Binding // ?
	Command   key.Binding // :
	Filter    key.Binding // /
	Back      key.Binding // esc
	NextView  key.Binding // tab
	PrevView  key.Binding // shift+tab
	GoToView  key.Binding // 1..9
}

// Nav are the keys of list-like views: cursor movement, drill down, sort.
type Nav struct {
	Up       key.Binding // k, up
	Down     key.Binding // j, down
	PageUp   key.Binding // pgup, ctrl+b
	PageDown key.Binding // pgdown, ctrl+f
	Top      key.Binding // home, g
	Bottom   key.Binding // end, G
	Enter    key.Binding // enter: drill down
	Sort     key.Binding // s: cycle sort column
}

// Input are the keys of the one-line input (command and filter modes).
type Input struct {
	Accept     key.Binding // enter
	Cancel     key.Binding // esc
	Complete   key.Binding // tab
	Left       key.Binding // left, ctrl+b
	Right      key.Binding // right, ctrl+f
	Home       key.Binding // home, ctrl+a
	End        key.Binding // end, ctrl+e
	Backspace  key.Binding // backspace, ctrl+h
	Delete     key.Binding // delete, ctrl+d
	KillLine   key.Binding // ctrl+u
	DeleteWord key.Binding // ctrl+w, alt+backspace
}

// Map is the complete key map.
type Map struct {
	Global Global
	Nav    Nav
	Input  Input
	Pane   Pane
}

// Pane are the keys of a scrollable body (a response, a replay diff, a
// failure's error text): scrolling, copying it, and handing it to $PAGER.
type Pane struct {
	Up       key.Binding // k, up: one line up
	Down     key.Binding // j, down: one line down
	PageUp   key.Binding // pgup, ctrl+b
	PageDown key.Binding // pgdown, ctrl+f, space
	Top      key.Binding // home, g
	Bottom   key.Binding // end, G
	Copy     key.Binding // y: copy the body to the clipboard (OSC 52)
	Pager    key.Binding // o: open the body in $PAGER
	Open     key.Binding // v: open the body in a scrollable pane of its own
}

// Default returns the workbench key map.
func Default() Map {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Map{
		Global: Global{
			Quit:      b("q", "back/quit", "q"),
			ForceQuit: b("ctrl+c", "quit now", "ctrl+c"),
			Confirm:   b("y", "yes, quit", "y", "enter", "q"),
			Help:      b("?", "help", "?"),
			Command:   b(":", "command", ":"),
			Filter:    b("/", "filter (!inverts)", "/"),
			Back:      b("esc", "back", "esc"),
			NextView:  b("tab", "next view", "tab"),
			PrevView:  b("shift+tab", "prev view", "shift+tab"),
			GoToView:  b("1-9", "go to view", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		},
		Nav: Nav{
			Up:       b("↑/k", "up", "up", "k"),
			Down:     b("↓/j", "down", "down", "j"),
			PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
			PageDown: b("pgdn", "page down", "pgdown", "ctrl+f"),
			Top:      b("g/home", "top", "home", "g"),
			Bottom:   b("G/end", "bottom", "end", "G"),
			Enter:    b("enter", "open", "enter"),
			Sort:     b("s", "sort", "s"),
		},
		Pane: Pane{
			Up:       b("↑/k", "scroll up", "up", "k"),
			Down:     b("↓/j", "scroll down", "down", "j"),
			PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
			PageDown: b("pgdn", "page down", "pgdown", "ctrl+f", "space"),
			Top:      b("g/home", "top", "home", "g"),
			Bottom:   b("G/end", "end", "end", "G"),
			Copy:     b("y", "copy", "y"),
			Pager:    b("o", "$PAGER", "o"),
			Open:     b("v", "view all", "v"),
		},
		Input: Input{
			Accept:     b("enter", "apply", "enter"),
			Cancel:     b("esc", "cancel", "esc"),
			Complete:   b("tab", "complete", "tab"),
			Left:       b("←", "left", "left", "ctrl+b"),
			Right:      b("→", "right", "right", "ctrl+f"),
			Home:       b("ctrl+a", "start", "home", "ctrl+a"),
			End:        b("ctrl+e", "end", "end", "ctrl+e"),
			Backspace:  b("⌫", "delete back", "backspace", "ctrl+h"),
			Delete:     b("del", "delete", "delete", "ctrl+d"),
			KillLine:   b("ctrl+u", "clear", "ctrl+u"),
			DeleteWord: b("ctrl+w", "delete word", "ctrl+w", "alt+backspace"),
		},
	}
}

// ShortHelp is the global part of the one-line help.
func (g Global) ShortHelp() []key.Binding {
	return []key.Binding{g.Command, g.Filter, g.Help, g.Quit}
}

// FullHelp is the global part of the help overlay, in columns.
func (g Global) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{g.Command, g.Filter, g.Help, g.Back},
		{g.NextView, g.PrevView, g.GoToView, g.Quit, g.ForceQuit},
	}
}

// ShortHelp is the one-line help of a scrollable pane.
func (p Pane) ShortHelp() []key.Binding {
	return []key.Binding{p.PageDown, p.PageUp, p.Bottom, p.Copy, p.Pager}
}

// FullHelp is the help overlay's part for a scrollable pane.
func (p Pane) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.Up, p.Down, p.PageUp, p.PageDown}, {p.Top, p.Bottom, p.Copy, p.Pager}}
}

// ShortHelp is the navigation part of a list view's one-line help.
func (n Nav) ShortHelp() []key.Binding {
	return []key.Binding{n.Down, n.Up, n.Enter, n.Sort}
}

// FullHelp is the navigation part of a list view's help overlay.
func (n Nav) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{n.Up, n.Down, n.PageUp, n.PageDown},
		{n.Top, n.Bottom, n.Enter, n.Sort},
	}
}

// WithEnter returns a copy of n whose Enter binding says what enter does
// in one view ("open trace", "why did it trip?"), for its help.
func (n Nav) WithEnter(desc string) Nav {
	n.Enter = key.NewBinding(key.WithKeys(n.Enter.Keys()...), key.WithHelp(n.Enter.Help().Key, desc))
	return n
}
