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
