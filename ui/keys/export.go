package keys

import "charm.land/bubbles/v2/key"

// Export is the key that turns what a view shows (the failures that
// tripped a breaker, a trace) into a session file of the exchanges behind
// it, pulled from the instances' exchange rings.
type Export struct {
	Export key.Binding // x: export the exchanges to .kitbench/sessions/
}

// ExportKeys returns the export binding. "x" is free in every view that
// offers it: no navigation, pane or global key uses it.
func ExportKeys() Export {
	return Export{Export: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export exchanges"))}
}
