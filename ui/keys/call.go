package keys

import "charm.land/bubbles/v2/key"

// Call are the keys of the call view, besides Nav for its method and
// history lists. While the request editor has the keyboard only Send and
// Done are special; every other key edits.
type Call struct {
	Send     key.Binding // ctrl+s: send the request (also while editing)
	Edit     key.Binding // e: edit the request body
	Done     key.Binding // esc: stop editing
	Instance key.Binding // i: next instance (balanced first)
	Trace    key.Binding // t: open the trace of the last response
	History  key.Binding // h: switch between methods and history
	Rerun    key.Binding // r: re-run the history entry under the cursor
	Record   key.Binding // R: start or stop recording dashboard calls
	// While a replay asks before sending writes, these answer it (any
	// other key cancels).
	AllowWrites key.Binding // y: replay the exchanges that may change data too
	OnlySafe    key.Binding // s: replay only the safe exchanges
	// While a stream is open (also while editing): Send sends the
	// editor's body as the next message of a client or bidirectional
	// stream, and
	HalfClose key.Binding // ctrl+d: end sending (half-close)
	Cancel    key.Binding // ctrl+x: cancel the stream
}

// CallKeys returns the call view's bindings.
func CallKeys() Call {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Call{
		Send:     b("ctrl+s", "send", "ctrl+s"),
		Edit:     b("e", "edit body", "e"),
		Done:     b("esc", "done editing", "esc"),
		Instance: b("i", "instance", "i"),
		Trace:    b("t", "open trace", "t"),
		History:  b("h", "history", "h"),
		Rerun:    b("r", "re-run", "r"),
		Record:   b("R", "record", "R"),

		AllowWrites: b("y", "send writes too", "y"),
		OnlySafe:    b("s", "only safe ones", "s"),
		HalfClose:   b("ctrl+d", "end sending", "ctrl+d"),
		Cancel:      b("ctrl+x", "cancel stream", "ctrl+x"),
	}
}

// Sessions are the keys of the sessions view and of an open session,
// besides Nav.
type Sessions struct {
	Replay   key.Binding // r: replay the open session
	Instance key.Binding // i: next replay target (as recorded first)
	Reload   key.Binding // u: list the session files again
	Record   key.Binding // R: start or stop recording dashboard calls
	// While a replay asks before sending writes, these answer it (any
	// other key cancels).
	AllowWrites key.Binding // y: replay the exchanges that may change data too
	OnlySafe    key.Binding // s: replay only the safe exchanges
}

// SessionsKeys returns the sessions view's bindings.
func SessionsKeys() Sessions {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Sessions{
		Replay:   b("r", "replay", "r"),
		Instance: b("i", "target", "i"),
		Reload:   b("u", "reload", "u"),
		Record:   b("R", "record", "R"),

		AllowWrites: b("y", "send writes too", "y"),
		OnlySafe:    b("s", "only safe ones", "s"),
	}
}
