// Package root is the workbench's root model: it routes messages to the
// views, lays out the screen and handles the global keys, and nothing else.
// What a screen shows and how it reacts to its own keys belongs in its view
// (a ui.View); when this package's Update grows a case for one view, the
// behaviour is in the wrong place.
//
// # Usage
//
//	ctx, cancel := context.WithCancel(context.Background())
//	defer cancel()
//	st := styles.New(colorprofile.TrueColor) // the renderer down-samples
//	m, err := root.New(root.Options{
//		Styles:        &st,
//		Subscriptions: []tea.Cmd{ui.WaitFor(ctx, updates)},
//	}, root.Tab{ID: "instances", View: instances.New(&st, ...)},
//	   root.Tab{ID: "breakers", View: breakers.New(&st, ...)})
//	if err != nil { ... }
//	_, err = tea.NewProgram(m).Run()
//
// # Screen
//
// One header line (application name, numbered tabs, the drill-down path),
// the focused view's body, the status line, and a bottom line that is the
// ':' or '/' input while one is open and the short help otherwise. '?'
// replaces the body with the full help of the focused view plus the global
// keys. Below MinWidth×MinHeight the whole screen is a "too small" message.
//
// # Routing
//
//   - tea.WindowSizeMsg: SetSize on every view of every tab (body size).
//   - key presses: global keys first (see keys.Global); in command, filter
//     or help mode the root keeps the keyboard; otherwise the key goes to
//     the focused view only (the top of the focused tab's stack). A focused
//     view that edits text (ui.KeyCapturer) gets every key but ctrl+c.
//   - ':' NAME WORDS: focuses the tab NAME (or a unique prefix) and gives
//     its own view ui.CommandMsg{Args: WORDS} (":trace 4bf92f35").
//   - ui.PushMsg: pushes a view on the focused tab; esc pops it.
//   - ui.StatusMsg, ui.NoticeMsg: the status line.
//   - anything else (data, ticks): broadcast to every view. A ui.Rearmer
//     (ui.Received) is re-armed once after the broadcast; a
//     ui.ClosedSubscription marks the status line stale.
//
// # Failure behaviour
//
// New rejects an empty tab list, a nil view, an empty or duplicate tab ID
// (ErrTabs). The root never panics on odd sizes: zero or tiny windows render
// the too-small screen, and every body line is cut to the window width even
// if a view renders too wide.
package root
