// Package sessions is the workbench's Sessions view: the recorded session
// files of the project (*.kitrec in the working directory and in
// .kitbench/sessions), one session's exchanges, and a replay of it against
// an instance chosen from the live fleet (or the addresses it was recorded
// from), with each exchange marked pass or diff and the diff explained —
// which path, what was recorded, what came back.
//
// # Usage
//
//	v := sessions.New(&st, km, store, recorder)
//	root.Tab{ID: "sessions", View: v}
//
// Reading files and replaying are behind [Store], which the dashboard
// wiring implements with the recorder package; the view calls it only from
// the commands it returns, and tests give it a fake. R toggles the
// recording of calls made in the dashboard (ui.Recorder), like the call
// view; a new recording shows up in the list.
//
// # Replaying writes
//
// A replay first asks the Store with WritesRefused: when the session has
// exchanges that may change data (an HTTP POST or DELETE, a gRPC method
// not marked NO_SIDE_EFFECTS), nothing is sent and the view asks, naming
// them; y replays with WritesAllowed, s with WritesSkipped, any other key
// cancels. The question is view state: while it is shown every key
// answers it (ui.KeyCapturer). Changing the target (i) clears the last
// replay's outcome, which was another target's.
//
// # Failure behaviour
//
// File names, bodies, diffs and error texts are remote or on-disk text:
// every line drawn is sanitized and cut to its cell. An unreadable file is
// a notice, and a damaged one opens with its readable exchanges and the
// count of lines it could not read.
package sessions
