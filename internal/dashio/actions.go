// Package dashio is the I/O behind the dashboard's views: it adapts the
// workbench (calls, recordings, the call history, session files, exports,
// the instances' controls) to the interfaces the ui packages ask for
// (call.Caller, call.History, ui.Recorder, sessions.Store, ui.Exporter,
// ui.Controller), so that cmd/kitbench only wires them.
//
// Failure behaviour: every method returns the workbench's error as it
// is; nothing here retries or hides one.
package dashio

import (
	"context"
	"errors"

	"github.com/kitbench/kitbench/internal/workbench"
	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/call"
	"github.com/kitbench/kitbench/ui/sessions"
)

// Actions is the I/O behind the dashboard's views, in the project
// directory: calls (one kept connection per instance) and their recording
// to session files, the call history, and the session files. It adapts
// the workbench to call.Caller, ui.Recorder and ui's exporter; History
// and Sessions give the other two. Close it when the dashboard ends.
type Actions struct {
	caller *workbench.Caller
	rec    *workbench.Recorder
	dir    string
	// Token is the admin listeners' bearer token, for exports and
	// controls; empty sends none.
	Token string
	// History and Sessions are the call history and the session files of
	// the project directory.
	History  History
	Sessions Sessions
}

// New returns the Actions of the project directory dir. Its calls keep
// a stream's messages as they pass (bounded as recorder.StreamLimits'
// defaults say), so that a stream that ends while recording is on is
// recorded whole, as `kitbench call --record` records it.
func New(dir string) *Actions {
	return &Actions{
		caller:   workbench.NewCaller(workbench.CallerOptions{Keep: true, Record: true}),
		rec:      workbench.NewRecorder(dir, "kitbench dashboard", nil),
		dir:      dir,
		History:  History{workbench.History{Dir: dir}},
		Sessions: Sessions{workbench.Sessions{Dir: dir}},
	}
}

// Close closes the connections and stops recording.
func (a *Actions) Close() error { return errors.Join(a.caller.Close(), a.rec.Close()) }

// dashCall is what the workbench is asked for a call.Request: the method
// named as `kitbench call SERVICE.METHOD` names it, and the candidates.
func dashCall(req call.Request) (method string, cands []sd.Instance) {
	method = req.Method
	if req.Service != "" {
		method = req.Service + "." + req.Method
	}
	for _, in := range req.Instances {
		cands = append(cands, workbench.FromHub(in))
	}
	return method, cands
}

// Call implements call.Caller; a streaming method answers with its open
// stream, whose End gives the answer.
func (a *Actions) Call(ctx context.Context, req call.Request) (call.Response, error) {
	method, cands := dashCall(req)
	c, s, err := a.caller.Start(ctx, req.Service, cands, invoke.Request{Method: method, Body: req.Body})
	if s != nil {
		return call.Response{Stream: dashStream{s, a}}, nil
	}
	return a.response(c, err)
}

func (a *Actions) response(c *workbench.Call, err error) (call.Response, error) {
	if err != nil {
		return call.Response{}, err
	}
	r := c.Result
	return call.Response{Instance: c.Instance.ID, Transport: r.Transport, Target: r.Target, Method: r.Method,
		Code: r.Code, Status: r.Status, OK: r.OK(), Message: r.Message, Reason: r.Reason, Latency: r.Duration,
		TraceID: r.TraceID, Body: r.Body, Recorded: a.rec.Record(c)}, nil
}

// dashStream implements call.Stream; its End records the stream's
// exchange when recording is on.
type dashStream struct {
	*workbench.LiveStream
	a *Actions
}

func (s dashStream) End() (call.Response, error) { return s.a.response(s.LiveStream.End()) }

// Template implements call.Caller with the method's schema.
func (a *Actions) Template(ctx context.Context, req call.Request) ([]byte, error) {
	method, cands := dashCall(req)
	s, _, err := a.caller.Describe(ctx, req.Service, cands, method)
	if err != nil {
		return nil, err
	}
	return s.Template, nil
}

// Export implements ui.Exporter: workbench.Export into the project's
// sessions directory.
func (a *Actions) Export(ctx context.Context, req ui.ExportMsg, fleet []hub.Instance) ui.ExportedMsg {
	o := workbench.ExportOptions{Dir: a.dir, Name: req.Name, Fleet: fleet}
	for _, p := range req.Parts {
		o.Parts = append(o.Parts, workbench.ExportPart(p))
	}
	res, err := workbench.Export(workbench.WithAdminToken(ctx, a.Token), o)
	out := ui.ExportedMsg{Path: res.Path, Exchanges: res.Total, Summary: res.Summary(), Lines: res.Lines, Err: res.Problems()}
	if err != nil {
		out.Err = err.Error()
	}
	return out
}

// ToggleRecording implements ui.Recorder.
func (a *Actions) ToggleRecording() ui.RecordingMsg { return ui.RecordingMsg(a.rec.Toggle()) }

// History implements call.History.
type History struct{ workbench.History }

// List implements call.History.
func (h History) List(ctx context.Context) ([]call.HistoryEntry, error) {
	es, err := h.History.List(ctx)
	out := make([]call.HistoryEntry, len(es))
	for i, e := range es {
		out[i] = call.HistoryEntry(e)
	}
	return out, err
}

// Save implements call.History.
func (h History) Save(ctx context.Context, e call.HistoryEntry) (call.HistoryEntry, error) {
	saved, err := h.History.Save(ctx, workbench.HistoryEntry(e))
	return call.HistoryEntry(saved), err
}

// Sessions implements sessions.Store.
type Sessions struct{ workbench.Sessions }

// List implements sessions.Store.
func (s Sessions) List(ctx context.Context) ([]sessions.File, error) {
	fs, err := s.Sessions.List(ctx)
	out := make([]sessions.File, len(fs))
	for i, f := range fs {
		out[i] = sessions.File(f)
	}
	return out, err
}

// Open implements sessions.Store.
func (s Sessions) Open(ctx context.Context, p string) (*sessions.Session, error) {
	ws, err := s.Sessions.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &sessions.Session{Path: ws.Path, Service: ws.Service, Created: ws.Created, Ignore: ws.Ignore, Unreadable: ws.Unreadable}
	for _, e := range ws.Exchanges {
		out.Exchanges = append(out.Exchanges, sessions.Exchange(e))
	}
	return out, nil
}

// Replay implements sessions.Store.
func (s Sessions) Replay(ctx context.Context, p string, target sessions.Target, writes sessions.Writes) (*sessions.Report, error) {
	rep, err := s.Sessions.Replay(ctx, p, target.Specs, workbench.Writes(writes)) // the same values, in the same order
	if err != nil {
		return nil, err
	}
	out := &sessions.Report{Passed: rep.Passed, Failed: rep.Failed, Skipped: rep.Skipped, Refused: rep.Refused}
	for _, r := range rep.Results {
		out.Results = append(out.Results, sessions.Result(r))
	}
	return out, nil
}
