// Package traces is the workbench's Traces view: the recent traces of the
// fleet (root endpoint, duration, span count, services, error), searched
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
// # Lists that hold still
//
// The list keeps its selection by trace id (components.Table, Selection).
// It follows the newest trace while the cursor is on the top row in time
// order: each refresh moves the cursor to the newest trace. Moving the
// cursor pauses it; the summary line then counts the traces listed since
// ("3 new"), and g (top) follows again. The selected trace, and the trace
// opened last, are kept in the list past Options.Limit and pinned in the
// source (Source.Pin, by a command), so the hub keeps their spans however
// much traffic follows: enter opens the trace that was read.
//
// # Search
//
// The filter ('/') is a trace search over every trace the source holds,
// joined across instances, in a command off the update loop (ParseQuery
// gives the syntax): svc:NAME op:NAME inst:ID (one span must match them
// all, as in Jaeger), err, dur>50ms / dur<=2s, KEY=VALUE (a span
// attribute), and free words (id, service, span name); '!' inverts a term.
// s sorts newest first or slowest first; the first Options.Limit matches
// are listed. ':trace ID' (ui.CommandMsg) opens a trace by id or unique id
// prefix. A query that does not parse keeps the previous one and says why
// in the summary line.
//
// ui.OpenTraceMsg (from the call view, or a failure that tripped a
// breaker) looks the trace up and pushes its waterfall on the focused tab;
// a trace that is not in memory yet says so and fills in when its spans
// arrive.
//
// On a waterfall, x asks the dashboard (ui.ExportMsg) for every exchange
// of the trace on every instance its spans name, each instance's exchange
// ring read with its trace filter; the answer (ui.ExportedMsg) shows above
// the spans. A trace not in memory cannot say which instances it touched,
// and x says so.
//
// # Failure behaviour
//
// Span names, services, attributes and event values are remote text: every
// one is sanitized and cut to its cell. Hostile parent links cannot loop
// the tree (hub.Trace.Walk visits each span once); a span outside its
// trace's time range is clamped to the bar.
package traces
