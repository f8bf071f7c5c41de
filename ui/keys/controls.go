package keys

import "charm.land/bubbles/v2/key"

// Controls are the keys that change a live instance through its admin
// listener's controls, besides Nav. Each opens a form or asks first: no
// write is sent before the user answers Confirm.
type Controls struct {
	Fault      key.Binding // f: on an instance, a form to inject a fault
	Drain      key.Binding // D: on an instance, drain it
	ForceOpen  key.Binding // O: on a breaker, hold it open
	ForceClose key.Binding // C: on a breaker, hold it closed
	Reset      key.Binding // R: on a breaker, reset it (closed, counts emptied)
	Limit      key.Binding // L: on a limiter, a form for its rate and burst
	Clear      key.Binding // d: in the controls view, clear the selected control
	// While a question is asked: Confirm sends the write; any other key
	// cancels it.
	Confirm key.Binding // y
	// While a form is open: move between fields, change a choice, send
	// (which asks first), cancel.
	NextField key.Binding // tab, down
	PrevField key.Binding // shift+tab, up
	Choice    key.Binding // left, right, space: the next choice of a choice field
	Submit    key.Binding // enter
	Cancel    key.Binding // esc
}

// ControlsKeys returns the control bindings. The write keys are capitals
// (D, O, C, R, L) where a slip of the finger must not start one, and none
// is a Nav, Pane or global key.
func ControlsKeys() Controls {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return Controls{
		Fault:      b("f", "inject fault", "f"),
		Drain:      b("D", "drain", "D"),
		ForceOpen:  b("O", "force open", "O"),
		ForceClose: b("C", "force closed", "C"),
		Reset:      b("R", "reset", "R"),
		Limit:      b("L", "set rate", "L"),
		Clear:      b("d", "clear control", "d"),
		Confirm:    b("y", "yes, do it", "y"),
		NextField:  b("tab/↓", "next field", "tab", "down"),
		PrevField:  b("shift+tab/↑", "prev field", "shift+tab", "up"),
		Choice:     b("←/→", "change choice", "left", "right", "space"),
		Submit:     b("enter", "apply", "enter"),
		Cancel:     b("esc", "cancel", "esc"),
	}
}
