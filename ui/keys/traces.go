package keys

import "charm.land/bubbles/v2/key"

// Traces are the keys of the traces list, besides Nav. Search and Open are
// typed in the root's filter and command inputs; their bindings exist for
// the help, which is where the search syntax is learnt.
type Traces struct {
	Follow key.Binding // g, home: to the newest trace, and follow new ones
	Sort   key.Binding // s: newest first / slowest first
	Search key.Binding // /: search (help only; the root opens the input)
	Open   key.Binding // :trace ID: open a trace by id or prefix (help only)
}

// TracesKeys returns the traces view's bindings. Follow and Sort hold the
// same keys as Nav.Top and Nav.Sort, with the traces view's words.
func TracesKeys() Traces {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Traces{
		Follow: b("g", "follow newest", "home", "g"),
		Sort:   b("s", "time/duration", "s"),
		Search: b("/", "search: svc: op: inst: err dur>50ms key=value", "/"),
		Open:   b(":trace ID", "open by id or prefix", ":"),
	}
}
