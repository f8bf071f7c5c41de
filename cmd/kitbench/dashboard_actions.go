package main

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

// dashActions is the I/O behind the dashboard's views, in the project
// directory: calls (one kept connection per instance) and their recording
// to session files, the call history, and the session files. It adapts
// the workbench to call.Caller, call.History, ui.Recorder and
// sessions.Store, field for field. Close it when the dashboard ends.
type dashActions struct {
	caller   *workbench.Caller
	rec      *workbench.Recorder
	history  workbench.History
	sessions workbench.Sessions
	token    string // the admin listeners' token, for exports
}

func newDashActions(dir string) *dashActions {
	return &dashActions{
		caller:   workbench.NewCaller(workbench.CallerOptions{Keep: true}),
		rec:      workbench.NewRecorder(dir, "kitbench dashboard", nil),
		history:  workbench.History{Dir: dir},
		sessions: workbench.Sessions{Dir: dir},
	}
}

// Close closes the connections and stops recording.
func (a *dashActions) Close() error { return errors.Join(a.caller.Close(), a.rec.Close()) }

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
func (a *dashActions) Call(ctx context.Context, req call.Request) (call.Response, error) {
	method, cands := dashCall(req)
	c, s, err := a.caller.Start(ctx, req.Service, cands, invoke.Request{Method: method, Body: req.Body})
	if s != nil {
		return call.Response{Stream: dashStream{s, a}}, nil
	}
	return a.response(c, err)
}

func (a *dashActions) response(c *workbench.Call, err error) (call.Response, error) {
	if err != nil {
		return call.Response{}, err
	}
	r := c.Result
	return call.Response{Instance: c.Instance.ID, Transport: r.Transport, Target: r.Target, Method: r.Method,
		Code: r.Code, Status: r.Status, OK: r.OK(), Message: r.Message, Reason: r.Reason, Latency: r.Duration,
		TraceID: r.TraceID, Body: r.Body, Recorded: a.rec.Record(c)}, nil
}

// dashStream implements call.Stream.
type dashStream struct {
	*workbench.LiveStream
	a *dashActions
}

func (s dashStream) End() (call.Response, error) { return s.a.response(s.LiveStream.End()) }

// Template implements call.Caller with the method's schema.
func (a *dashActions) Template(ctx context.Context, req call.Request) ([]byte, error) {
	method, cands := dashCall(req)
	s, _, err := a.caller.Describe(ctx, req.Service, cands, method)
	if err != nil {
		return nil, err
	}
	return s.Template, nil
}

// Export implements ui.Exporter: workbench.Export into the project's
// sessions directory.
func (a *dashActions) Export(ctx context.Context, req ui.ExportMsg, fleet []hub.Instance) ui.ExportedMsg {
	o := workbench.ExportOptions{Dir: a.history.Dir, Name: req.Name, Fleet: fleet}
	for _, p := range req.Parts {
		o.Parts = append(o.Parts, workbench.ExportPart(p))
	}
	res, err := workbench.Export(workbench.WithAdminToken(ctx, a.token), o)
	out := ui.ExportedMsg{Path: res.Path, Exchanges: res.Total, Summary: res.Summary(), Lines: res.Lines, Err: res.Problems()}
	if err != nil {
		out.Err = err.Error()
	}
	return out
}

// ToggleRecording implements ui.Recorder.
func (a *dashActions) ToggleRecording() ui.RecordingMsg { return ui.RecordingMsg(a.rec.Toggle()) }

// dashHistory implements call.History.
type dashHistory struct{ workbench.History }

func (h dashHistory) List(ctx context.Context) ([]call.HistoryEntry, error) {
	es, err := h.History.List(ctx)
	out := make([]call.HistoryEntry, len(es))
	for i, e := range es {
		out[i] = call.HistoryEntry(e)
	}
	return out, err
}

func (h dashHistory) Save(ctx context.Context, e call.HistoryEntry) (call.HistoryEntry, error) {
	saved, err := h.History.Save(ctx, workbench.HistoryEntry(e))
	return call.HistoryEntry(saved), err
}

// dashSessions implements sessions.Store.
type dashSessions struct{ workbench.Sessions }

func (s dashSessions) List(ctx context.Context) ([]sessions.File, error) {
	fs, err := s.Sessions.List(ctx)
	out := make([]sessions.File, len(fs))
	for i, f := range fs {
		out[i] = sessions.File(f)
	}
	return out, err
}

func (s dashSessions) Open(ctx context.Context, p string) (*sessions.Session, error) {
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

func (s dashSessions) Replay(ctx context.Context, p string, target sessions.Target, writes sessions.Writes) (*sessions.Report, error) {
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
