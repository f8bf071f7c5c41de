// Package call is the workbench's Call view: pick a method of a discovered
// service (fuzzy filter with '/'), edit its JSON request in a text area
// prefilled from the method's example or template, choose an instance or
// let the view balance over the healthy ones, send it with ctrl+s, and read
// the answer — status, latency, instance, trace id, body — with t one key
// away from the call's trace. Every call lands in a per-project history
// (plain files, no account) that h lists and r re-runs; R records the calls
// to a session file.
//
// # Usage
//
//	v := call.New(&st, km, call.Deps{Caller: c, History: h, Recorder: r}, call.Options{})
//	root.Tab{ID: "call", View: v}
//
// The view does no I/O: calling, describing a method, reading and writing
// history and recording are behind [Caller], [History] and ui.Recorder,
// which the dashboard wiring implements and which the view calls only from
// the commands it returns. Tests give it fakes; that is the seam.
//
// The method list comes from the hub's messages: each instance's
// introspection info lists its endpoints, transports and request examples.
//
// # Streams
//
// A streaming method answers ctrl+s with its open stream (Response.Stream):
// the server's messages appear as they arrive, one line each, with their
// count and rate, and the response pane follows the newest unless the user
// has paged up (pgup, home; end follows again). On a client or
// bidirectional stream the editor holds the next message: ctrl+s sends it
// (editing or not), ctrl+d ends sending (half-close); ctrl+x cancels any
// stream. The stream's end is the answer, kept in the history like a
// unary call's. One command at a time waits for the next message and is
// re-armed after it (as ui.WaitFor is), so Update never waits; the stream
// ends by itself, by ctrl+x, or when the dashboard closes its Caller.
//
// # Keyboard
//
// While the editor has the keyboard the view is a ui.KeyCapturer: every key
// edits (q, ':' and '/' included) except ctrl+s (send) and esc (stop
// editing); ctrl+c still quits.
//
// # Failure behaviour
//
// Response bodies, status messages, instance names and examples are remote
// text: every line drawn is sanitized and cut to the pane; a body is
// pretty-printed in the command, off the update loop, and only its first
// MaxBodyLines lines are kept; the response pane shows how much is below, v
// opens it in a scrollable pane of its own, y copies it, o opens $PAGER.
package call
