package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kitbench/kitbench/kit/endpoint"
	"github.com/kitbench/kitbench/kit/transport"
)

// EncodeRequestFunc encodes the user-domain request object into an HTTP
// request: its body, and if needed its URL path and query.
type EncodeRequestFunc func(context.Context, *http.Request, any) error

// DecodeResponseFunc extracts a user-domain response object from an HTTP
// response. The Client only calls it for 2xx responses.
type DecodeResponseFunc func(context.Context, *http.Response) (response any, err error)

// ClientResponseFunc may take information from an HTTP response into the
// context (ClientAfter). It runs for every response, before the status is
// checked.
type ClientResponseFunc func(context.Context, *http.Response) context.Context

// maxErrorBody bounds how much of a non-2xx response body the Client reads.
const maxErrorBody = 64 << 10

// Client turns a remote HTTP endpoint into an endpoint.Endpoint.
type Client struct {
	client *http.Client
	method string
	target *url.URL
	enc    EncodeRequestFunc
	dec    DecodeResponseFunc
	before []RequestFunc
	after  []ClientResponseFunc
}

// NewClient returns a Client that sends method requests to target, encoding
// them with enc and decoding 2xx responses with dec. A nil target, enc or
// dec makes every call fail with an error wrapping ErrClient.
func NewClient(method string, target *url.URL, enc EncodeRequestFunc, dec DecodeResponseFunc, opts ...ClientOption) *Client {
	c := &Client{client: http.DefaultClient, method: method, target: target, enc: enc, dec: dec}
	for _, o := range opts {
		o(c)
	}
	return c
}

// ClientOption sets an optional parameter for clients.
type ClientOption func(*Client)

// SetClient sets the *http.Client that sends requests; nil keeps the
// default, http.DefaultClient (which has no timeout of its own: give calls a
// context deadline).
func SetClient(hc *http.Client) ClientOption {
	return func(c *Client) {
		if hc != nil {
			c.client = hc
		}
	}
}

// ClientBefore adds functions run on each request after it is encoded and
// before it is sent, in order. The context the last one returns is the
// request's: a deadline or an httptrace.ClientTrace a hook adds governs the
// call, and the decoder and ClientAfter functions see it.
func ClientBefore(before ...RequestFunc) ClientOption {
	return func(c *Client) { c.before = append(c.before, before...) }
}

// ClientAfter adds functions run on each response as it arrives, in order.
func ClientAfter(after ...ClientResponseFunc) ClientOption {
	return func(c *Client) { c.after = append(c.after, after...) }
}

// Endpoint returns an endpoint that makes one HTTP call per request. When
// ctx carries a request id (a Server is handling the call, as in a
// gateway), it is sent as X-Request-Id so both services log the same id.
//
// A non-2xx answer is a *ResponseError; a failure to reach the server is a
// 502 error wrapping the cause; a cancelled or expired ctx gives an error
// wrapping ctx.Err() (so 499 or 504).
func (c *Client) Endpoint() endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) {
		if c.target == nil || c.enc == nil || c.dec == nil {
			return nil, fmt.Errorf("%w: nil target, encoder or decoder", ErrClient)
		}
		req, err := http.NewRequestWithContext(ctx, c.method, c.target.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrClient, err)
		}
		if id := RequestIDFromContext(ctx); id != "" {
			req.Header.Set(RequestIDHeader, id)
		}
		if err := c.enc(ctx, req, request); err != nil {
			return nil, err
		}
		for _, f := range c.before {
			ctx = f(ctx, req)
		}
		if ctx != req.Context() {
			// A hook's context (an httptrace.ClientTrace, a deadline)
			// governs the request it was made for.
			req = req.WithContext(ctx)
		}
		resp, err := c.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("kithttp: %s %s: %w", c.method, c.target.Redacted(), context.Cause(ctx))
			}
			return nil, &transport.Error{Status: http.StatusBadGateway, Err: err}
		}
		defer func() {
			// Drain a little so the connection can be reused, then close.
			_, _ = io.CopyN(io.Discard, resp.Body, maxErrorBody)
			_ = resp.Body.Close()
		}()
		for _, f := range c.after {
			ctx = f(ctx, resp)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, responseError(resp)
		}
		return c.dec(ctx, resp)
	}
}

// ResponseError is a non-2xx answer seen by a Client. It implements
// transport.StatusCoder, transport.RetryAfterer and transport.Reasoner, so
// a service that returns it (a gateway) answers with the same status, the
// same Retry-After and the reason the upstream's means for its own caller
// (transport.PassOnReason: an upstream's breaker_open is unavailable). An
// upstream breaker's Retry-After is not passed on: it is the wait of the
// one instance whose breaker is open, not of the gateway.
type ResponseError struct {
	// Status is the HTTP status the server sent.
	Status int
	// Msg is the server's error message (the "error" field of a kit error
	// body), or the status text when the body had none.
	Msg string
	// RequestID is the server's request id, when it sent one.
	RequestID string
	// Retry is the server's Retry-After; zero when absent.
	Retry time.Duration
	// Reason is the "reason" field of a kit error body, as the server sent
	// it (see transport.Reasoner); empty when the body had none or it was
	// malformed.
	Reason string
}

// Error returns the server's message only, without the URL or status, so
// that passing it on to a caller reveals nothing about the upstream.
func (e *ResponseError) Error() string { return e.Msg }

// StatusCode implements transport.StatusCoder.
func (e *ResponseError) StatusCode() int { return e.Status }

// RetryAfter implements transport.RetryAfterer with Retry, or 0 when the
// server's reason is breaker_open: that wait belongs to the one instance
// whose breaker refused, not to whoever calls the gateway.
func (e *ResponseError) RetryAfter() time.Duration {
	if e.Reason == transport.ReasonBreakerOpen {
		return 0
	}
	return e.Retry
}

// ErrorReason implements transport.Reasoner with
// transport.PassOnReason(Reason).
func (e *ResponseError) ErrorReason() string { return transport.PassOnReason(e.Reason) }

// Unwrap returns ErrStatus.
func (e *ResponseError) Unwrap() error { return ErrStatus }

func responseError(resp *http.Response) *ResponseError {
	e := &ResponseError{Status: resp.StatusCode, RequestID: resp.Header.Get(RequestIDHeader)}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 32); err == nil && n > 0 {
			e.Retry = time.Duration(n) * time.Second
		}
	}
	var body errorBody
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&body); err == nil {
		e.Msg = body.Error
		if transport.ValidReason(body.Reason) {
			e.Reason = body.Reason
		}
		if body.RequestID != "" {
			e.RequestID = body.RequestID
		}
	}
	if e.Msg == "" {
		e.Msg = http.StatusText(resp.StatusCode)
	}
	if e.Msg == "" {
		e.Msg = "HTTP status " + strconv.Itoa(resp.StatusCode)
	}
	return e
}

var _ interface {
	transport.StatusCoder
	transport.RetryAfterer
	transport.Reasoner
} = (*ResponseError)(nil)
