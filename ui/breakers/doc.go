// Package breakers is the workbench's circuit-breaker view, in the spirit
// of the Hystrix dashboard: one row per breaker per instance with its
// state (coloured), error share and request volume in the breaker's
// window, calls it rejected, time since its last transition, and a
// sparkline of its recent request rate. Open breakers come first; 's'
// sorts by name, error share, then volume. Enter on a row opens "Why did
// it trip?" (package ui/trip) for that breaker.
//
// A breaker that has opened is the most important thing on a fleet's
// screen, so this view keeps what the probes only say once: every
// transition the hub reports (with the failures that caused it) is kept,
// a few per breaker, so the trip can be explained after the fact.
//
// # Data
//
// The view takes hub messages as they are broadcast (hub.Snapshot,
// hub.BreakerUpdate, hub.InstanceUpdate, hub.InstanceGone) and ui.TickMsg
// for the clock, and hub.MetricsUpdate for the p50 and p99 of the calls
// each breaker guards (its endpoint on its instance; for an ejection
// breaker, outlier/SERVICE/INSTANCE, the ejected instance). It rebuilds its
// rows on a tick, so a burst of updates costs one rebuild. It samples each
// breaker's rate once a second: the window count over the window for the
// ratio policy, the growth of the count since the previous sample
// otherwise; the sparklines show the last Window, every row on one scale.
// Memory is bounded: History
// samples, MaxTransitions transitions of MaxFailures failures each per
// breaker.
package breakers
