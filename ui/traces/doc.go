// Package traces is the workbench's Traces view: the recent traces of the
// fleet (root endpoint, duration, span count, services, error), filterable
// with '/', and for one trace a waterfall — the span tree indented by
// parent, each span's time bar scaled to the trace, and the details of the
// span under the cursor: status, attributes, and the resilience events kit
// records on spans (breaker state, limiter decision, retry attempt, chosen
// and ejected instance). Those events are the point: a slow or failed call
// shows where it waited, which instance it went to, and which breaker said
// no.
//
// # Usage
//
//	v := traces.New(&st, km, h, traces.Options{}) // h is a *hub.Hub
//	root.Tab{ID: "traces", View: v}
//
// The view reads traces through a [Source] (the hub implements it) and only
// from inside commands: Update asks for a refresh when a hub.SpanBatch
// arrives, at most one refresh runs at a time, and refreshes are spaced by
// Options.Refresh, so a busy fleet costs one join of the span ring per
// interval, off the update loop.
//
// ui.OpenTraceMsg (from the call view, or a failure that tripped a
// breaker) looks the trace up and pushes its waterfall on the focused tab;
// a trace that is not in memory yet says so and fills in when its spans
// arrive.
//
// # Failure behaviour
//
// Span names, services, attributes and event values are remote text: every
// one is sanitized and cut to its cell. Hostile parent links cannot loop
// the tree (hub.Trace.Walk visits each span once); a span outside its
// trace's time range is clamped to the bar.
package traces
