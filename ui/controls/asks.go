package controls

import (
	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/components"
)

// BreakerAsk is the request and the question of a breaker key: action is
// wire.BreakerForceOpen or wire.BreakerForceClosed (held for DefaultFor)
// or wire.BreakerReset.
func BreakerAsk(k hub.Key, name, action string) (ui.ControlMsg, string) {
	req := ui.ControlMsg{Instance: k, Kind: wire.ControlBreaker, Target: name, Request: wire.ControlRequest{Breaker: action}}
	on := "breaker " + name + " on " + Label(k)
	forFor := " for " + components.Duration(DefaultFor)
	switch action {
	case wire.BreakerReset:
		req.What = "reset " + on
		return req, "Reset " + on + "? It closes with empty counts, and a forced state ends."
	case wire.BreakerForceOpen:
		req.Request.TTL = wire.Duration(DefaultFor)
		req.What = "force " + on + " open" + forFor
		return req, "Force " + on + " open" + forFor + "? It refuses every call until then."
	default:
		req.Request.TTL = wire.Duration(DefaultFor)
		req.What = "force " + on + " closed" + forFor
		return req, "Force " + on + " closed" + forFor + "? No failure trips it until then."
	}
}

// DrainAsk is the request and the question of the drain key.
func DrainAsk(k hub.Key) (ui.ControlMsg, string) {
	forFor := " for " + components.Duration(DefaultFor)
	req := ui.ControlMsg{Instance: k, Kind: wire.ControlDrain, Request: wire.ControlRequest{TTL: wire.Duration(DefaultFor)},
		What: "drain " + Label(k) + forFor}
	return req, "Drain " + Label(k) + forFor + "? It leaves discovery and finishes its calls in flight; then it registers again."
}
