package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kitbench/kitbench/kit/sd"
	"github.com/kitbench/kitbench/probes/hub"
	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
	"github.com/kitbench/kitbench/ui"
	"github.com/kitbench/kitbench/ui/call"
)

// Where the dashboard keeps its files, under the project (working)
// directory.
const (
	dashSessionsDir = ".kitbench/sessions"
	dashHistoryDir  = ".kitbench/history"
)

// dashCalls is the I/O behind the call view: calls through probes/invoke
// (one cached connection per instance), and the recording of those calls
// to a session file through recorder's Writer. It implements call.Caller
// and ui.Recorder. Close it when the dashboard ends.
type dashCalls struct {
	dir     string        // the project directory
	connect time.Duration // to connect to an instance
	now     func() time.Time

	mu       sync.Mutex
	invokers map[string]invoke.Invoker // by dashInvokerKey
	w        *recorder.Writer          // nil unless recording
	path     string                    // the session file, relative to dir
	calls    int
}

func newDashCalls(dir string) *dashCalls {
	return &dashCalls{dir: dir, connect: 5 * time.Second, now: time.Now, invokers: map[string]invoke.Invoker{}}
}

// Close closes the connections and stops recording.
func (a *dashCalls) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for k, inv := range a.invokers {
		errs = append(errs, inv.Close())
		delete(a.invokers, k)
	}
	if a.w != nil {
		errs = append(errs, a.w.Close())
		a.w = nil
	}
	return errors.Join(errs...)
}

// dashInstance turns a hub instance into what kitbench call connects to,
// filling the transport addresses from its introspection info when the
// registry does not publish them (static targets).
func dashInstance(in hub.Instance) sd.Instance {
	meta := make(map[string]string, len(in.Meta)+3)
	for k, v := range in.Meta {
		meta[k] = v
	}
	if in.Info != nil {
		for _, t := range in.Info.Transports {
			switch t.Name {
			case invoke.GRPC:
				meta[sd.MetaGRPC] = cmpOrString(meta[sd.MetaGRPC], t.Addr)
			case invoke.HTTP:
				meta[sd.MetaHTTP] = cmpOrString(meta[sd.MetaHTTP], t.Addr)
			}
		}
	}
	if in.Admin != "" {
		meta[sd.MetaAdmin] = cmpOrString(meta[sd.MetaAdmin], in.Admin)
	}
	return sd.Instance{ID: in.InstanceID, Service: in.Service, Address: in.Address, Meta: meta, Health: in.Health}
}

func cmpOrString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func dashInvokerKey(in sd.Instance) string {
	return in.ID + "|" + in.Meta[sd.MetaGRPC] + "|" + in.Meta[sd.MetaHTTP] + "|" + in.Meta[sd.MetaAdmin]
}

// invoker returns the cached connection to in, connecting on first use
// the way kitbench call does (gRPC when offered, else HTTP routes).
func (a *dashCalls) invoker(ctx context.Context, in sd.Instance) (invoke.Invoker, error) {
	k := dashInvokerKey(in)
	a.mu.Lock()
	inv, ok := a.invokers[k]
	a.mu.Unlock()
	if ok {
		return inv, nil
	}
	inv, err := connect(ctx, &callFlags{connect: a.connect}, in)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.invokers[k]; ok { // another command connected first
		_ = inv.Close()
		return old, nil
	}
	a.invokers[k] = inv
	return inv, nil
}

// forget drops a connection that stopped answering.
func (a *dashCalls) forget(in sd.Instance) {
	k := dashInvokerKey(in)
	a.mu.Lock()
	inv, ok := a.invokers[k]
	delete(a.invokers, k)
	a.mu.Unlock()
	if ok {
		_ = inv.Close()
	}
}

// methodName is what invoke resolves: the endpoint name over HTTP; over
// gRPC the discovery name first, as a hint to the gRPC service (as
// kitbench call SERVICE.METHOD does).
func methodName(inv invoke.Invoker, service, method string) string {
	if _, ok := inv.(*invoke.HTTPClient); ok || service == "" {
		return method
	}
	return service + "." + method
}

// Call implements call.Caller: the first reachable candidate answers.
func (a *dashCalls) Call(ctx context.Context, req call.Request) (call.Response, error) {
	var failures []string
	for _, hi := range req.Instances {
		in := dashInstance(hi)
		inv, err := a.invoker(ctx, in)
		if err == nil {
			var res *invoke.Result
			res, err = inv.Invoke(ctx, invoke.Request{Method: methodName(inv, req.Service, req.Method), Body: req.Body})
			if err == nil {
				return dashResponse(hi.InstanceID, res, a.record(req.Service, req.Method, hi.InstanceID, res)), nil
			}
			if errors.Is(err, invoke.ErrUnreachable) {
				a.forget(in)
			}
		}
		if !errors.Is(err, invoke.ErrUnreachable) {
			return call.Response{}, err
		}
		failures = append(failures, err.Error())
	}
	if len(failures) == 0 {
		return call.Response{}, fmt.Errorf("no instance of %s offers %s", req.Service, req.Method)
	}
	return call.Response{}, fmt.Errorf("no instance of %s is reachable: %s", req.Service, strings.Join(failures, "; "))
}

// Template implements call.Caller with the method's schema.
func (a *dashCalls) Template(ctx context.Context, req call.Request) ([]byte, error) {
	var err error
	for _, hi := range req.Instances {
		var inv invoke.Invoker
		inv, err = a.invoker(ctx, dashInstance(hi))
		if err != nil {
			continue
		}
		var s *invoke.Schema
		if s, err = inv.Describe(ctx, methodName(inv, req.Service, req.Method)); err == nil {
			return s.Template, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("no instance of %s offers %s", req.Service, req.Method)
	}
	return nil, err
}

func dashResponse(instance string, r *invoke.Result, recorded bool) call.Response {
	return call.Response{Instance: instance, Transport: r.Transport, Target: r.Target, Method: r.Method,
		Code: r.Code, Status: r.Status, OK: r.OK(), Message: r.Message, Latency: r.Duration,
		TraceID: r.TraceID, Body: r.Body, Recorded: recorded}
}

// ToggleRecording implements ui.Recorder: the first toggle starts a new
// session file in .kitbench/sessions, the next closes it.
func (a *dashCalls) ToggleRecording() ui.RecordingMsg {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.w != nil {
		err := a.w.Close()
		a.w = nil
		st := ui.RecordingMsg{Path: a.path, Calls: a.calls}
		if err != nil {
			st.Err = fmt.Sprintf("closing %s: %v", a.path, err)
		}
		return st
	}
	if err := os.MkdirAll(filepath.Join(a.dir, dashSessionsDir), 0o700); err != nil {
		return ui.RecordingMsg{Err: err.Error()}
	}
	now := a.now()
	rel := filepath.Join(dashSessionsDir, "dashboard-"+now.UTC().Format("20060102-150405.000")+".kitrec")
	w, err := recorder.Create(filepath.Join(a.dir, rel), recorder.Header{Created: now.UTC(), Tool: "kitbench dashboard"}, recorder.WriteOptions{})
	if err != nil {
		return ui.RecordingMsg{Err: err.Error()}
	}
	a.w, a.path, a.calls = w, rel, 0
	return ui.RecordingMsg{On: true, Path: rel}
}

// record appends a call to the session being recorded, if any, and
// reports whether it did. A failed append stops nothing: the call
// answered; the session file says what it could.
func (a *dashCalls) record(service, method, instance string, r *invoke.Result) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.w == nil {
		return false
	}
	if err := a.w.Append(dashExchange(service, method, instance, r)); err != nil {
		return false
	}
	a.calls++
	return true
}

// dashExchange is a call in the session format. gRPC bodies are written
// with proto field names, as recorder's capture and replay write them
// (invoke answers with protojson's lowerCamelCase names; proto3's default
// JSON name is the lowerCamelCase of the field name, which this reverses).
func dashExchange(service, method, instance string, r *invoke.Result) recorder.Exchange {
	ex := recorder.Exchange{Time: r.Start, Service: service, Endpoint: method, Instance: instance,
		Transport: r.Transport, Target: r.Target, TraceID: r.TraceID, Duration: r.Duration}
	ex.Request.Headers = r.RequestHeader
	ex.Response.Headers, ex.Response.Trailers = r.Header, r.Trailer
	if r.Transport == invoke.GRPC {
		ex.Request.GRPCMethod = r.Method
		ex.Request.Body = recorder.NewBody("application/json", snakeKeys(r.RequestBody))
		ex.Response.GRPCCode, ex.Response.GRPCMessage = r.Code, r.Message
		ex.Response.Body = recorder.NewBody("application/json", snakeKeys(r.Body))
		return ex
	}
	ex.Request.Method, ex.Request.Path, _ = strings.Cut(r.Method, " ")
	if u, err := url.Parse(r.URL); err == nil && u.Path != "" {
		ex.Request.Path = u.RequestURI()
	}
	ex.Request.Body = recorder.NewBody("application/json", r.RequestBody)
	ex.Response.Status = r.Code
	ex.Response.Body = recorder.NewBody("application/json", r.Body)
	return ex
}
