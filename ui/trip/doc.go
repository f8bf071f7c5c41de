// Package trip is "Why did it trip?": for one circuit breaker, the
// transitions it made while the workbench watched, with the window counts
// at each (calls, failures, failures in a row, rejections, error share),
// and the failing requests that opened it — time, error, trace id — each
// one enter away from its trace (ui.OpenTraceMsg).
//
// A dashboard that shows a red breaker answers "what"; this view answers
// "why", from what the breaker itself reported when it opened. No other
// dashboard keeps the failures that tripped a breaker next to it; it is
// the reason to use this one.
//
// # Usage
//
// The breakers view pushes it on enter:
//
//	return v, ui.Push(trip.New(st, km, trip.Breaker{Key: k, Breaker: b, Transitions: kept}, now))
//
// Once pushed it follows the broadcast hub messages for its breaker, so a
// breaker that half-opens and closes while the view is open shows it.
//
// # Export
//
// x asks the dashboard (ui.ExportMsg) for the failing requests the view
// lists, from the exchange ring of the instance that served them — the
// breaker's own, on the endpoint its name gives ("GetBook",
// "bookstore.GetBook"), or the ejected instance of an "outlier/SERVICE/ID"
// breaker, on any endpoint — with the ContrastCalls successful calls
// before them. The answer (ui.ExportedMsg) shows below the heading: the
// file, and the commands that replay it.
//
// # Failure behaviour
//
// A failure without a trace id (the call was not traced) says so instead
// of opening an empty trace. When no transition has been seen (the
// dashboard attached after the breaker opened), the view says that the
// failures appear at the next trip and shows the current window. A failure
// whose error the table cuts opens whole in a scrollable pane (v). The
// breaker's instance leaving the fleet is shown, and the history kept. x
// with no failure listed says there is nothing to export; an export that
// wrote nothing says why in place of the file.
package trip
