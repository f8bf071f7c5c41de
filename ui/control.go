package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
)

// ControlMsg asks the dashboard to set or clear one control on one
// instance through its admin listener (/debug/kit/v1/controls): inject a
// fault, force or reset a breaker, override a limiter, drain. A view
// returns it only once the user has confirmed, having been told exactly
// what will change and for how long; the dashboard does the I/O off the
// update loop and answers with a [ControlledMsg].
type ControlMsg struct {
	// For names the asker; the answer carries it back. Empty answers
	// nobody but the status line.
	For string
	// Instance is the instance to control, as the hub names it.
	Instance hub.Key
	// Clear clears the control of Kind on Target instead of setting it.
	Clear bool
	// Kind is wire.ControlFault, wire.ControlBreaker, wire.ControlLimiter
	// or wire.ControlDrain.
	Kind string
	// Target is the endpoint, breaker or limiter; empty for a drain, and
	// for a fault on (or the clearing of the faults of) every endpoint.
	Target string
	// Request is what a set sends: the payload of its kind and its TTL.
	Request wire.ControlRequest
	// What says the change in words ("fault on bookstore-2 GetBook:
	// error rate 1 (503) for 40s"), for the answer's notice.
	What string
}

// ControlledMsg is the answer to a [ControlMsg].
type ControlledMsg struct {
	// For is the request's For, and Req the request.
	For string
	Req ControlMsg
	// Changes are what the instance did, as it published them.
	Changes []wire.ControlChange
	// Err says why nothing (or not all) was done, with what to do about
	// it (enable controls, pass the admin token); empty on success.
	Err string
}

// Controller does what a [ControlMsg] asks. The dashboard's wiring
// implements it (with internal/workbench); fleet is every instance the
// dashboard knows, to find the requested one's admin listener in.
type Controller interface {
	Control(ctx context.Context, req ControlMsg, fleet []hub.Instance) ControlledMsg
}

// Control returns a command asking the dashboard for req. Views return it
// only after the user's confirmation.
func Control(req ControlMsg) tea.Cmd {
	return func() tea.Msg { return req }
}

// ControlResult reports res, the answer to req, as the messages a view
// and the status line show: res (with req's For) and a notice saying
// what was done, or why not.
func ControlResult(req ControlMsg, res ControlledMsg) tea.Msg {
	res.For, res.Req = req.For, req
	notice := NoticeMsg{Text: "done: " + req.What}
	if res.Err != "" {
		notice = NoticeMsg{Text: "not done: " + res.Err, Level: Error}
	}
	return tea.BatchMsg{
		func() tea.Msg { return res },
		func() tea.Msg { return notice },
	}
}
