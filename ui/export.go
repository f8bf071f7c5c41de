package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	wire "github.com/kitbench/kitbench/kit/introspect"
	"github.com/kitbench/kitbench/probes/hub"
)

// ExportMsg asks the dashboard to export exchanges that instances keep in
// their exchange rings (GET /debug/kit/v1/exchanges) to a session file in
// the project's .kitbench/sessions/. A view returns it from a key ("x" on
// "why did it trip?" and on a trace's waterfall); the dashboard does the
// I/O off the update loop and answers with an [ExportedMsg].
type ExportMsg struct {
	// For names the asker; the answer carries it back so that only the
	// view that asked shows it. Empty answers nobody but the status line.
	For string
	// Name is the file's stem ("trip-bookstore-3-GetBook"); the exporter
	// adds the time and ".kitrec". Empty means "export".
	Name string
	// Parts say what to take from which instance, one per instance.
	Parts []ExportPart
}

// ExportPart is what to take from one instance's ring.
type ExportPart struct {
	// Instance is the instance to read, as the hub names it.
	Instance hub.Key
	// Trace, when set, takes every exchange of that trace id.
	Trace string
	// Failures, when set, takes the failed exchanges that are these
	// failures (a breaker's report): by trace id, or, for an untraced
	// one, the failed exchange of Endpoint in flight at its time.
	Failures []wire.BreakerFailure
	// Endpoint narrows Failures and Before to one endpoint ("GetBook");
	// empty means any.
	Endpoint string
	// Before is how many successful exchanges from just before the first
	// failure to take, for contrast; zero takes none.
	Before int
}

// ExportedMsg is the answer to an [ExportMsg]: where the session went,
// what it holds, and the commands that replay it.
type ExportedMsg struct {
	// For is the request's For.
	For string
	// Path is the session file written, relative to the project
	// directory; empty when none was written.
	Path string
	// Exchanges counts the exchanges in the file.
	Exchanges int
	// Summary says what was taken from where, in a line.
	Summary string
	// Lines are the commands that replay the file (kitbench replay, and
	// the go test that keeps it), one a line.
	Lines []string
	// Err says why nothing (or not all) was exported; empty on success.
	Err string
}

// Exporter does the export an [ExportMsg] asks for. The dashboard's wiring
// implements it (with internal/workbench); fleet is every instance the
// dashboard knows, to find the requested ones and a healthy peer among.
type Exporter interface {
	Export(ctx context.Context, req ExportMsg, fleet []hub.Instance) ExportedMsg
}

// Export returns a command asking the dashboard for req.
func Export(req ExportMsg) tea.Cmd {
	return func() tea.Msg { return req }
}

// ExportResult reports res, the answer to req, as the messages a view and
// the status line show: res (with req's For) and a notice naming the file,
// or why none was written.
func ExportResult(req ExportMsg, res ExportedMsg) tea.Msg {
	res.For = req.For
	notice := NoticeMsg{Text: "exported " + res.Path + ": " + res.Summary}
	switch {
	case res.Path == "":
		notice = NoticeMsg{Text: "export: " + res.Err, Level: Error}
	case res.Err != "":
		notice = NoticeMsg{Text: notice.Text + " (" + res.Err + ")", Level: Warn}
	}
	return tea.BatchMsg{
		func() tea.Msg { return res },
		func() tea.Msg { return notice },
	}
}
