// Package ui is the kitbench workbench: a terminal application built with
// Bubble Tea v2 as a tree of small models. This package holds the contract
// every view implements ([View]) and the messages that travel between the
// root model, the views and the data sources ([Push],
// [FilterMsg], [CommandMsg], [StatusMsg], [NoticeMsg], [TickMsg], [OpenTraceMsg],
// [ExportMsg], [ExportedMsg], [WaitFor]).
//
// ui is an application, not a library: nothing under ui/ makes a
// compatibility promise. Exported names exist so that the packages of the
// workbench can see each other, not for outside callers; they change when
// the workbench needs them to.
//
// # Layout
//
//   - ui/root: the root model. It routes messages, lays out the screen and
//     handles the global keys; it knows no data types.
//   - one package per view (instances, breakers, limits, traces, ...): each
//     implements [View] and owns its behaviour.
//   - ui/components: reusable widgets (virtualised Table, Sparkline,
//     StatusLine, Help, Input, TooSmall).
//   - ui/styles: every lipgloss.NewStyle() call, built once per colour
//     profile.
//   - ui/keys: every key binding with its help text.
//   - ui/sanitize: the one function remote text passes through before it is
//     rendered.
//
// # Rules
//
//   - No I/O in Update or View. Views receive data only as tea.Msg values
//     (probe snapshots through [WaitFor], results of commands) and ask for
//     work by returning a tea.Cmd. A view can be tested by feeding it
//     messages, with no network.
//   - Never mutate the model inside a command. A tea.Cmd runs on another
//     goroutine; it may only compute a message from values it captured.
//   - Remote text is hostile. Instance tags, span attributes, error strings
//     and response bodies may carry escape sequences (clear screen, OSC 52
//     clipboard writes, OSC 8 links), control characters or megabytes of
//     text. Every such string passes through sanitize.Line before it reaches
//     a rendered frame; components.Table does this for every cell.
//   - Styles are built once (styles.New) and passed down; View never
//     allocates a style.
//   - Only visible rows are rendered: the cost of a keypress or a frame does
//     not grow with the number of rows a view holds.
package ui
