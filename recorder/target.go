package recorder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// maxReplayBody bounds a replayed response body read into memory.
const maxReplayBody = DefaultMaxLine / 2

// skipHeaders are not replayed: the HTTP client sets them itself.
var skipHeaders = map[string]bool{
	"host": true, "content-length": true, "connection": true, "transfer-encoding": true,
	"accept-encoding": true, "keep-alive": true, "te": true, "upgrade": true, "trailer": true,
}

// httpRequest rebuilds ex's HTTP request against base ("http://host:port").
func httpRequest(ctx context.Context, base string, ex *Exchange) (*http.Request, error) {
	if ex.Transport != TransportHTTP {
		return nil, fmt.Errorf("%w: %s exchange sent to an HTTP target", ErrReplay, ex.Transport)
	}
	if ex.Stream != nil {
		return nil, fmt.Errorf("%w: a stream exchange sent to an HTTP target; streams replay over gRPC", ErrReplay)
	}
	b := ex.Request.Body
	if b != nil && b.Truncated {
		return nil, fmt.Errorf("%w: request body was truncated when recorded", ErrReplay)
	}
	var body io.Reader
	if raw := b.Raw(); raw != nil {
		body = bytes.NewReader(raw)
	}
	if !strings.HasPrefix(ex.Request.Path, "/") {
		return nil, fmt.Errorf("%w: path %q does not start with /", ErrReplay, ex.Request.Path)
	}
	req, err := http.NewRequestWithContext(ctx, ex.Request.Method, strings.TrimSuffix(base, "/")+ex.Request.Path, body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrReplay, err)
	}
	for k, vs := range ex.Request.Headers {
		if skipHeaders[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req, nil
}

func httpResponse(status int, h http.Header, body []byte, trailers http.Header) *Response {
	resp := &Response{Status: status, Headers: map[string][]string(h.Clone()), Body: NewBody(h.Get("Content-Type"), body)}
	if len(trailers) > 0 {
		resp.Trailers = map[string][]string(trailers.Clone())
	}
	return resp
}

type httpTarget struct {
	base   string
	client *http.Client
}

// HTTPTarget replays HTTP exchanges to base, an URL such as
// "http://127.0.0.1:8080", with client (nil means a client that follows
// no redirects, so a recorded 3xx replays as a 3xx).
func HTTPTarget(base string, client *http.Client) Target {
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &httpTarget{base: base, client: client}
}

func (t *httpTarget) Do(ctx context.Context, ex *Exchange) (*Response, error) {
	req, err := httpRequest(ctx, t.base, ex)
	if err != nil {
		return nil, err
	}
	resp, err := t.client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, t.base, err)
		}
		return nil, fmt.Errorf("%s %s: %w", ex.Request.Method, ex.Request.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplayBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %w", ex.Request.Method, ex.Request.Path, err)
	}
	if len(body) > maxReplayBody {
		return nil, fmt.Errorf("%w: response body over %d bytes", ErrReplay, maxReplayBody)
	}
	return httpResponse(resp.StatusCode, resp.Header, body, resp.Trailer), nil
}

type handlerTarget struct{ h http.Handler }

// HandlerTarget replays HTTP exchanges straight into h, in process, with
// no network. Requests look as if sent to http://kitrec.invalid from
// 127.0.0.1.
func HandlerTarget(h http.Handler) Target { return handlerTarget{h} }

func (t handlerTarget) Do(ctx context.Context, ex *Exchange) (*Response, error) {
	req, err := httpRequest(ctx, "http://kitrec.invalid", ex)
	if err != nil {
		return nil, err
	}
	req.RemoteAddr = "127.0.0.1:1"
	w := &memWriter{h: make(http.Header)}
	t.h.ServeHTTP(w, req)
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return httpResponse(w.code, w.h, w.body.Bytes(), nil), nil
}

// memWriter is an in-memory http.ResponseWriter.
type memWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *memWriter) Header() http.Header { return w.h }
func (w *memWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *memWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}
func (w *memWriter) Flush() {}

// Targets sends each exchange to the target for its transport. A nil
// field is an error for exchanges of that transport.
type Targets struct {
	HTTP, GRPC, Thrift Target
	closers            []io.Closer
}

// Do implements Target.
func (t *Targets) Do(ctx context.Context, ex *Exchange) (*Response, error) {
	var to Target
	switch ex.Transport {
	case TransportHTTP:
		to = t.HTTP
	case TransportGRPC:
		to = t.GRPC
	case TransportThrift:
		to = t.Thrift
	}
	if to == nil {
		return nil, fmt.Errorf("%w: no target for %s exchanges", ErrReplay, ex.Transport)
	}
	return to.Do(ctx, ex)
}

func (t *Targets) expected(ctx context.Context, ex *Exchange) *Response {
	if e, ok := t.GRPC.(expecter); ok && ex.Transport == TransportGRPC {
		return e.expected(ctx, ex)
	}
	if ex.Transport == TransportThrift {
		return thriftExpected(ex)
	}
	return &ex.Response
}

// Close closes the connections Dial opened.
func (t *Targets) Close() error {
	var errs []error
	for _, c := range t.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
