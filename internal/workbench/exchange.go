package workbench

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/kitbench/kitbench/probes/invoke"
	"github.com/kitbench/kitbench/recorder"
)

// Exchange turns a call into a session exchange: the only conversion from
// an invoke.Result to a recorder.Exchange, so that a call recorded by
// `kitbench call --record` and the same call recorded in the dashboard
// are the same line.
//
// Bodies are kept as the Caller gave them: a gRPC answer with the
// .proto's field names (create_time, as recorder's proxy and capture
// record it) unless CallerOptions.WireJSON kept protojson's
// lowerCamelCase, which replay also accepts; an HTTP body that was not
// JSON goes back to its bytes. Endpoint is the method's name ("GetBook") over either transport.
// ID is left to the writer.
//
// A streaming call is one stream exchange (format 1.1): its messages
// each way, as a Caller with CallerOptions.Record kept them, with their
// times from the call's start, in place of the bodies; headers, trailers
// and status as for a unary call; Stream.Cancelled when the caller ended
// it (a limit, a cancel). A stream called without Record kept nothing:
// its Exchange is ErrUnkeptStream.
func Exchange(c Call) (recorder.Exchange, error) {
	res := c.Result
	ex := recorder.Exchange{
		Time: res.Start, Service: c.Service, Instance: c.Instance.ID, Target: res.Target,
		TraceID: res.TraceID, Duration: res.Duration,
		Request:  recorder.Request{Headers: res.RequestHeader, Body: jsonBody(res.RequestBody)},
		Response: recorder.Response{Headers: res.Header, Trailers: res.Trailer},
	}
	if res.Transport == invoke.GRPC {
		ex.Transport = recorder.TransportGRPC
		ex.Endpoint = shortName(res.Method)
		ex.Request.GRPCMethod = res.Method
		ex.Response.GRPCCode, ex.Response.GRPCMessage, ex.Response.Reason = res.Code, res.Message, res.Reason
		ex.Response.Body = jsonBody(res.Body)
		if res.Stream != nil {
			if err := streamExchange(&ex, c); err != nil {
				return recorder.Exchange{}, err
			}
		}
		return ex, nil
	}
	ex.Transport = recorder.TransportHTTP
	ex.Endpoint = shortName(c.Request.Method) // the route's name, as invoke matched it
	ex.Request.Method, ex.Request.Path, _ = strings.Cut(res.Method, " ")
	if u, err := url.Parse(res.URL); err == nil && u.Path != "" {
		ex.Request.Path = u.RequestURI() // with the query, as sent
	}
	ex.Response.Status = res.Code
	ex.Response.Body = httpBody(res)
	return ex, nil
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
	ct := header1(res.Header, "Content-Type")
	var s string
	if ct != "" && !strings.Contains(ct, "json") && json.Unmarshal(res.Body, &s) == nil {
		return recorder.NewBody(ct, []byte(s))
	}
	return jsonBody(res.Body)
}

// header1 is the first value of a header, looked up in any case.
func header1(h map[string][]string, name string) string {
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
