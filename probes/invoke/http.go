package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// DefaultMaxBody caps the response body HTTPClient reads.
const DefaultMaxBody = 16 << 20

// HTTPOptions configure an HTTPClient. The zero value is plaintext with
// its own connection pool and a 16 MiB response cap.
type HTTPOptions struct {
	// TLS chooses transport security; the zero value is plaintext (http://).
	TLS TLS
	// MaxBody caps the response body read; zero means DefaultMaxBody.
	// A longer body is an error.
	MaxBody int64
}

// HTTPClient calls the HTTP/JSON routes of one instance, as its
// introspection info lists them. It is safe for concurrent use.
//
// Requests are built by one rule, the same for every route:
//   - a {name} path parameter takes Request.PathParams[name], else the
//     top-level body field "name" (a string, number or boolean);
//   - methods with a body (POST, PUT, PATCH, …) send the whole JSON body,
//     path fields included;
//   - GET, HEAD, DELETE and OPTIONS send no body: the path fields leave it,
//     and every remaining top-level field becomes a query parameter (an
//     array becomes a repeated parameter; null is left out; a nested
//     object is an error, since no query encoding is standard).
type HTTPClient struct {
	addr, base string
	routes     []wire.EndpointDoc
	client     *http.Client
	maxBody    int64
	tls        TLS
}

// NewHTTP returns a client of the instance whose HTTP listener is addr
// (host:port), with routes from its introspection info (endpoints of other
// transports are ignored).
func NewHTTP(addr string, routes []wire.EndpointDoc, opts HTTPOptions) (*HTTPClient, error) {
	cfg, err := opts.TLS.Config()
	if err != nil {
		return nil, err
	}
	scheme := "http://"
	if cfg != nil {
		scheme = "https://"
	}
	h := &HTTPClient{addr: addr, base: scheme + addr, maxBody: opts.MaxBody, tls: opts.TLS}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	for _, r := range routes {
		if r.Transport == HTTP && r.HTTPMethod != "" && r.HTTPPath != "" {
			h.routes = append(h.routes, r)
		}
	}
	h.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig: cfg, ForceAttemptHTTP2: cfg != nil, MaxIdleConnsPerHost: 4,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
	}}
	return h, nil
}

// Target returns the address the client calls.
func (h *HTTPClient) Target() string { return h.addr }

// Close releases idle connections.
func (h *HTTPClient) Close() error {
	h.client.CloseIdleConnections()
	return nil
}

// Methods lists the endpoint names that have HTTP routes, sorted.
func (h *HTTPClient) Methods(context.Context) ([]string, error) {
	names := make([]string, 0, len(h.routes))
	for _, r := range h.routes {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func (h *HTTPClient) route(name string) (wire.EndpointDoc, error) {
	_, meth := splitMethod(name)
	for _, r := range h.routes {
		if r.Name == meth {
			return r, nil
		}
	}
	names, _ := h.Methods(context.Background())
	return wire.EndpointDoc{}, NotFound(ErrNoMethod, meth, "the HTTP routes of "+h.addr, names)
}

// Invoke sends req by the rule in HTTPClient's doc. See Invoker.
func (h *HTTPClient) Invoke(ctx context.Context, req Request) (*Result, error) {
	var err error
	if req.Body, err = req.Stream.only(ctx, req.Body, req.Method, Unary); err != nil {
		return nil, err
	}
	p, err := h.Plan(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withTimeout(ctx, req.Timeout)
	defer cancel()
	var body io.Reader
	if p.Body != nil {
		body = bytes.NewReader(p.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, p.Method, p.URL, body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	for k, vs := range p.Header {
		hr.Header[http.CanonicalHeaderKey(k)] = vs
	}
	res := &Result{Transport: HTTP, Target: h.addr, URL: p.URL, TraceID: p.TraceID,
		RequestHeader: p.Header, RequestBody: p.Body}
	res.Method = p.Method + " " + hr.URL.RequestURI()
	res.Start = time.Now()
	resp, err := h.client.Do(hr)
	if err != nil {
		res.Duration = time.Since(res.Start)
		return nil, h.callError(ctx, res, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, h.maxBody+1))
	res.Duration = time.Since(res.Start)
	if err != nil {
		return nil, h.callError(ctx, res, err)
	}
	if int64(len(raw)) > h.maxBody {
		return nil, fmt.Errorf("%s: response body over %d bytes", res.Method, h.maxBody)
	}
	res.Code = resp.StatusCode
	res.Status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	res.Header = lowerKeys(resp.Header)
	if len(bytes.TrimSpace(raw)) > 0 {
		if c, err := compact(raw); err == nil {
			res.Body = c
		} else {
			res.Body, _ = json.Marshal(string(raw))
		}
	}
	if !res.OK() {
		var e struct {
			Error  string `json:"error"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(raw, &e) == nil {
			res.Reason = reason(e.Reason)
		}
		if e.Error != "" {
			res.Message = e.Error
		} else {
			res.Message = strings.TrimSpace(string(raw))
		}
	}
	return res, nil
}

func (h *HTTPClient) callError(ctx context.Context, res *Result, err error) error {
	if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s %s: deadline exceeded after %v: %w", res.Method, h.addr, res.Duration.Round(time.Millisecond), context.DeadlineExceeded)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w: %s: %w", ErrUnreachable, h.addr, op.Err)
	}
	return fmt.Errorf("%s %s: %w", res.Method, h.addr, err)
}

func lowerKeys(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = v
	}
	return out
}

// Describe gives the route, path parameters and request example of an
// endpoint. The request and response fields are those the instance
// publishes (EndpointDoc.Request and Response, from the Go types kit's
// transports know); without them the request fields are those of the
// example (with JSON kinds as types) and Response is nil.
func (h *HTTPClient) Describe(_ context.Context, name string) (*Schema, error) {
	r, err := h.route(name)
	if err != nil {
		return nil, err
	}
	s := &Schema{Transport: HTTP, Method: r.HTTPMethod + " " + r.HTTPPath, Request: &Message{Name: r.Name}}
	for _, seg := range strings.Split(r.HTTPPath, "/") {
		if n, ok := strings.CutPrefix(seg, "{"); ok && n != "$}" {
			s.PathParams = append(s.PathParams, strings.TrimSuffix(strings.TrimSuffix(n, "}"), "..."))
		}
	}
	example := map[string]json.RawMessage{}
	if len(r.RequestExample) > 0 {
		if err := json.Unmarshal(r.RequestExample, &example); err != nil {
			return nil, fmt.Errorf("the published example of %s is not a JSON object: %w", r.Name, err)
		}
	}
	added := false
	for _, pp := range s.PathParams {
		if _, ok := example[pp]; !ok {
			example[pp], added = json.RawMessage(`""`), true
		}
	}
	if r.Request != nil { // the service published its request's shape
		s.Request = &Message{Name: r.Name, Fields: docFields(r.Request.Fields)}
	} else {
		keys := make([]string, 0, len(example))
		for k := range example {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			s.Request.Fields = append(s.Request.Fields, Field{Name: k, Type: jsonKind(example[k])})
		}
	}
	if r.Response != nil {
		s.Response = &Message{Name: r.Response.Type, Fields: docFields(r.Response.Fields)}
	}
	if len(r.RequestExample) > 0 && !added {
		s.Template, _ = compact(r.RequestExample)
	} else {
		s.Template, _ = json.Marshal(example)
	}
	return s, nil
}

func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "null"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// docFields converts published field docs into Fields.
func docFields(in []wire.FieldDoc) []Field {
	out := make([]Field, 0, len(in))
	for _, f := range in {
		out = append(out, Field{Name: f.Name, Type: f.Type, Fields: docFields(f.Fields)})
	}
	return out
}
