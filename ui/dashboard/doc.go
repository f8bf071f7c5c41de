// Package dashboard assembles the workbench: the tab list, the root
// model, and the bridge that carries the hub's stream into Bubble Tea. It
// is the only place that knows which views exist; the views know nothing
// of each other, and the root knows no data types.
//
// # Usage
//
//	h, _ := hub.New(hub.Options{})       // in cmd/kitbench: the I/O side
//	defer h.Close()
//	sub := h.Subscribe(0)
//	defer sub.Close()
//	m := dashboard.New(dashboard.Options{Styles: &st}, h, sub)
//	defer m.Close()
//	_, err := tea.NewProgram(m).Run()
//
// # What the views receive
//
// The bridge delivers, in the hub's order, every hub message as itself
// (hub.InstanceUpdate, hub.BreakerUpdate, hub.SpanBatch, ...; broadcast to
// every view) and a hub.Snapshot first, and again after the subscription
// reported dropped messages, so every view can start from, and return
// to, the whole state. A ui.TickMsg every Options.Tick is the views'
// clock. The status line is derived here from hub.SourceStatus, the
// hub's RefreshStatus and the dropped count.
//
// # What the views ask of the hub
//
// The instances view names the instances it has on screen
// (instances.FocusMsg); a command hands them to Fleet.SetFocus, so the
// hub refreshes those at the full rate and the rest within its probe
// budget.
//
// # What the views ask of the instances
//
// A view's export (ui.ExportMsg) and, once the user has confirmed, a
// control write (ui.ControlMsg: a fault, a forced breaker, a limiter's
// rate, a drain, or the clearing of one) run off the update loop through
// Options.Export and Options.Controls, each bounded in time and ended by
// Close; the answer comes back as a message and a notice.
//
// # Adding a view
//
// Add one line to the list in tabs.go; the tab's ID is its ':' command
// and its position its number key.
//
// # Concurrency
//
// New starts one goroutine, the bridge: it reads the subscription (Next,
// then TryNext for what is already queued, up to MaxBatch messages per
// delivery, so a burst costs one frame) and hands each batch to the
// program over a channel that ui.WaitFor reads. It stops when the
// subscription ends, or on Close, which waits for it. Update and View
// never read the hub.
//
// # Failure behaviour
//
// When the hub's stream ends the status line says the updates stopped and
// the last state stays on screen. A slow terminal never slows the probes:
// the hub coalesces and drops for this subscription, and the dashboard
// resynchronises from a snapshot and shows the dropped count.
package dashboard
