// Package controls is the workbench's side of the instances' live
// controls: the `:controls` view (every control in force on the fleet —
// faults, forced breakers, limiter overrides, drains — with who set it
// and a countdown to when it reverts by itself), the markers other views
// put on their rows ("FAULT 38s", "FORCED OPEN 2m10s"), and the Prompt
// through which every write goes: a small Form (a fault, a limiter's
// rate), then a question naming exactly what will change and for how
// long.
//
// # Data
//
// The views take broadcast hub messages (hub.Snapshot, ControlUpdate,
// InstanceGone) into an Active, and ui.TickMsg: the countdowns move with
// the clock between the hub's updates, and a control whose time has
// passed leaves the rows at once.
//
// # Failure behaviour
//
// Nothing is written from here: a confirmed question returns a
// ui.ControlMsg command, which the dashboard carries out and answers; an
// answer other than y, or esc in a form, sends nothing and says so. A
// form with a bad value (a malformed or too long duration, a rate outside
// 0..1) shows what is wrong and stays open.
package controls
