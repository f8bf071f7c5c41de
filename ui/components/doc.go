// Package components holds the reusable widgets of the workbench: a
// virtualised [Table], a scrollable [Pane] (and [PaneView], a pane of its
// own to push), [Sparkline], [StatusLine], the help overlay
// ([HelpView]), the one-line [Input] used for ':' commands and '/' filters,
// and the [TooSmall] screen.
//
// Components are not tea.Models: they are plain values that a view embeds,
// feeds (SetRows, SetSize, Update with a key) and renders (View). They keep
// the cost of a keypress and of a frame independent of how much data they
// hold: a Table renders only its visible rows, and moving the cursor touches
// nothing else.
//
// # Selection
//
// A [Table] keeps its selection by identity, never by row index: every
// [Row] carries a stable Key (a trace id, an instance id, a breaker name),
// and the list updates around the selected row, as k9s does.
//
//   - SetRows, SetFilter and SortBy put the cursor back on the row with the
//     chosen Key, at the same screen line: rows inserted above it scroll in
//     out of view instead of pushing it down, rows removed elsewhere do not
//     move it.
//   - A chosen row that a filter hides comes back under the cursor when the
//     filter lets it through again; meanwhile the cursor holds on the row it
//     rests on.
//   - A chosen row that leaves the data (evicted, deregistered) hands the
//     selection to the row the cursor lands on (the one now at its place),
//     which then holds still in turn. A view that must not lose a row while
//     it is selected keeps it in the data (the traces view pins it).
//   - Until the user moves the cursor it stays on the top row.
//   - [Table.Select] chooses a row by Key from the view (follow the newest
//     row, open a row by name); [Table.Selected] reads the row under the
//     cursor, the one enter acts on.
//
// Keys should be unique; with duplicates the first shown row wins.
//
// # Hostile text
//
// Every string a component draws goes through sanitize.Line with the width
// of its cell, so a view may hand remote text to a Table cell as is.
//
// # Concurrency
//
// Components are owned by one view and used from the Bubble Tea update
// loop only; they are not safe for concurrent use.
package components
