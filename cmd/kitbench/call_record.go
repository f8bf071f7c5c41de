package main

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// callRecorder receives every exchange kitbench call makes when --record
// FILE is given. An invoke.Result carries what a session file needs:
// transport, target, method, request and response headers (and trailers),
// both bodies, status, start time, duration and trace id.
type callRecorder interface {
	Record(service, instance string, res *invoke.Result) error
	Close() error
}

// openCallRecorder opens --record's file for appending ("" records
// nothing): a new file gets a header naming kitbench call, an existing
// session keeps its own. Secrets are redacted with the default rules
// before anything is written.
func openCallRecorder(path string) (callRecorder, error) {
	if path == "" {
		return nopRecorder{}, nil
	}
	w, err := recorder.OpenFile(path, recorder.Header{Tool: "kitbench call"}, recorder.WriteOptions{})
	if err != nil {
		return nil, callUsage("--record %s: %w", path, err)
	}
	return fileRecorder{w}, nil
}

type fileRecorder struct{ w *recorder.Writer }

func (r fileRecorder) Record(service, instance string, res *invoke.Result) error {
	return r.w.Append(exchangeOf(service, instance, res))
}

func (r fileRecorder) Close() error { return r.w.Close() }

// exchangeOf turns a call's result into a session exchange.
func exchangeOf(service, instance string, res *invoke.Result) recorder.Exchange {
	ex := recorder.Exchange{
		Time: res.Start, Service: service, Instance: instance, Target: res.Target,
		TraceID: res.TraceID, Duration: res.Duration,
		Request:  recorder.Request{Headers: res.RequestHeader, Body: jsonBody(res.RequestBody)},
		Response: recorder.Response{Headers: res.Header, Trailers: res.Trailer},
	}
	if res.Transport == invoke.GRPC {
		ex.Transport = recorder.TransportGRPC
		ex.Request.GRPCMethod = res.Method
		ex.Endpoint = res.Method[strings.LastIndexByte(res.Method, '/')+1:]
		ex.Response.GRPCCode, ex.Response.GRPCMessage = res.Code, res.Message
		ex.Response.Body = jsonBody(res.Body)
		return ex
	}
	ex.Transport = recorder.TransportHTTP
	ex.Request.Method, ex.Request.Path, _ = strings.Cut(res.Method, " ")
	if u, err := url.Parse(res.URL); err == nil && u.Path != "" {
		ex.Request.Path = u.RequestURI() // with the query, as sent
	}
	ex.Response.Status = res.Code
	ex.Response.Body = httpBody(res)
	return ex
}

// jsonBody is a JSON body as sent or received; nil when there was none.
func jsonBody(b json.RawMessage) *recorder.Body {
	if len(b) == 0 {
		return nil
	}
	return recorder.NewBody("application/json", b)
}

// httpBody undoes invoke's one liberty with HTTP bodies: a response that
// was not JSON is given as a JSON string, and goes back to its bytes.
func httpBody(res *invoke.Result) *recorder.Body {
	ct := http1(res.Header, "Content-Type")
	var s string
	if ct != "" && !strings.Contains(ct, "json") && json.Unmarshal(res.Body, &s) == nil {
		return recorder.NewBody(ct, []byte(s))
	}
	return jsonBody(res.Body)
}

// http1 is the first value of an HTTP header, looked up in any case.
func http1(h map[string][]string, name string) string {
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

type nopRecorder struct{}

func (nopRecorder) Record(string, string, *invoke.Result) error { return nil }
func (nopRecorder) Close() error                                { return nil }
