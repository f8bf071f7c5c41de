package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// View is one screen of the workbench (instances, breakers, a trace
// waterfall, ...). The root model owns the views, gives each the size of the
// body area, routes messages to them and draws the focused one between the
// header and the status line.
//
// Views are usually pointer types whose Update returns the receiver; the
// root stores whatever Update returns and never copies a view itself.
//
// What a view receives:
//   - SetSize with the body size, on every window resize and when the view is
//     added or pushed; the size may be smaller than the view would like but
//     never below the root's minimum (80×24 terminal less the chrome).
//   - key presses, only while it is focused and no global mode (command,
//     filter, help) has the keyboard; the global keys never reach it.
//   - [FilterMsg] when the user edits the filter while it is focused.
//   - every other message (data updates from [WaitFor], ticks, results of
//     commands without an address): broadcast to all views, focused or not.
//     A view ignores what it does not know.
//
// What a view must do: no I/O in Update or View; View renders exactly the
// size it was given (at most width cells per line, at most height lines);
// remote text goes through sanitize.Line (components.Table does it for its
// cells).
type View interface {
	// KeyMap gives the view's own bindings for the short help line and the
	// help overlay; the root adds the global ones.
	help.KeyMap
	// Update handles a message and returns the view to keep (usually the
	// receiver) and an optional command.
	Update(msg tea.Msg) (View, tea.Cmd)
	// View renders the body area at the size last given to SetSize.
	View() string
	// SetSize gives the body area size in cells.
	SetSize(width, height int)
	// Title is the short name shown in the header tab bar, e.g. "Breakers".
	Title() string
}

// ViewID names a tab of the root model: the name given when the tab is
// registered, also the word typed after ':' to switch to it ("breakers").
type ViewID string

// PushMsg asks the root to push View on top of the focused tab (drill down).
// The root sizes it and focuses it; esc pops it and returns to the view
// below, which kept receiving broadcast messages meanwhile.
type PushMsg struct{ View View }

// Push returns a command asking the root to push v on the focused tab; a
// view returns it from Update on enter.
func Push(v View) tea.Cmd {
	return func() tea.Msg { return PushMsg{View: v} }
}

// FilterMsg carries the filter text typed after '/' to the focused view,
// on every edit (filtering is live). An empty Query clears the filter. A
// leading '!' inverts it; components.ParseFilter understands both.
type FilterMsg struct{ Query string }

// StatusMsg updates the status line. The wiring of the data source sends
// it (or maps its own updates to it, see root.Options.StatusOf).
type StatusMsg struct {
	// Source names where the data comes from: "consul 127.0.0.1:8500",
	// "devregistry", "static". Empty shows nothing.
	Source string
	// Instances is the number of known instances; negative hides it.
	Instances int
	// Stale is true when the data is known to be out of date (the source
	// is unreachable and the last known state is shown).
	Stale bool
	// Err is the last error of the source, empty when healthy.
	Err string
	// Retry says that and how the source is being retried ("retrying,
	// down for 12s"); it is shown beside the error's cause. Empty hides it.
	Retry string
}

// Level is the severity of a notice.
type Level uint8

// Notice levels. The zero value is an informational notice.
const (
	Info Level = iota
	Warn
	Error
)

// NoticeMsg shows a transient message in the status line until a newer one
// replaces it or it expires (root.Options.NoticeFor).
type NoticeMsg struct {
	Text  string
	Level Level
}

// Notify returns a command that shows text in the status line.
func Notify(level Level, text string) tea.Cmd {
	return func() tea.Msg { return NoticeMsg{Text: text, Level: level} }
}

// OpenTraceMsg asks the traces view to show the waterfall of one trace
// (a call's trace, a failure that tripped a breaker). It is broadcast: the
// traces view looks the trace up and pushes its waterfall on the focused
// tab, so esc returns to where the user was. A trace whose spans have not
// arrived yet is shown as such, and fills in when they do.
type OpenTraceMsg struct{ TraceID string }

// OpenTrace returns a command that asks for the waterfall of trace id.
func OpenTrace(id string) tea.Cmd {
	return func() tea.Msg { return OpenTraceMsg{TraceID: id} }
}

// KeyCapturer is implemented by a view that edits text (a request body):
// while CapturesKeys reports true and the view is focused, the root gives
// it every key press except ForceQuit (ctrl+c) — q, ':', '/', '?', tab,
// digits and esc included — so typing never switches views. The view says
// how to stop editing (esc, by convention) in its short help.
type KeyCapturer interface {
	CapturesKeys() bool
}

// TickMsg is the workbench's clock. The dashboard broadcasts one a few
// times a second (and the tests send their own). Views take "now" from it
// for ages and rates, never from time.Now, so a frame is a function of the
// messages received; a view may also apply the data gathered since the
// last tick then, instead of rebuilding its rows for every message.
type TickMsg struct{ Now time.Time }
