// Package instances is the workbench's first screen: every discovered
// instance, grouped by service, with its address, registry health, what
// the probes see (up, down, starting; stale when the registry could not
// confirm it lately), request rate, error share and p99 latency from its
// metrics, and a summary of its circuit breakers. The unhealthy come
// first — a service with a down instance or an open breaker sorts above
// a healthy one, and so does such an instance within its service —
// because the first screen should show the thing you came to look at.
//
// Enter on an instance pushes its detail: endpoints with their routes and
// per-endpoint rate, errors and latency quantiles; breakers; limiters;
// tags; the last probe error or problem report.
//
// # Data
//
// Both views take broadcast hub messages (hub.Snapshot, InstanceUpdate,
// InstanceGone, BreakerUpdate, LimiterUpdate, MetricsUpdate, Problem)
// and ui.TickMsg; they rebuild their rows on a tick, so a burst of
// updates costs one rebuild. When the rows on screen change (a tick, a
// key, the filter) the view sends a FocusMsg naming them, which the
// dashboard gives to the hub so those instances refresh at the full rate. Every string from a service is drawn
// through components.Table or sanitize.Line.
package instances
