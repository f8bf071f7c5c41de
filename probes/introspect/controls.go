package introspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	wire "github.com/kitbench/kitbench/kit/introspect"
)

// Errors of control requests, besides ErrUnauthorized (401) and
// ErrBadResponse (an answer the protocol does not allow).
var (
	// ErrForbidden reports a 403: the instance has not enabled controls,
	// or refuses them because its admin listener is not loopback.
	ErrForbidden = errors.New("introspect: control refused")
	// ErrNoControlTarget reports a 404: no such endpoint, breaker or
	// limiter, nothing to drain, or no control in force to clear.
	ErrNoControlTarget = errors.New("introspect: no such control target")
	// ErrBadControl reports a 400: the instance rejected the request;
	// ControlError.Param names the field.
	ErrBadControl = errors.New("introspect: bad control request")
)

// ControlError is the error of a control request the instance answered
// with an error status: the status and the instance's ErrorBody. It
// matches (errors.Is) ErrUnauthorized, ErrForbidden, ErrNoControlTarget or
// ErrBadControl by status, ErrBadResponse otherwise.
type ControlError struct {
	Method, URL string
	Status      int
	Body        wire.ErrorBody
}

func (e *ControlError) Error() string {
	msg := e.Body.Error
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, clip(msg))
}

// Unwrap gives the sentinel of the status.
func (e *ControlError) Unwrap() error {
	switch e.Status {
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNoControlTarget
	case http.StatusBadRequest:
		return ErrBadControl
	}
	return ErrBadResponse
}

// Controls reads the instance's ControlList: whether writes are enabled,
// what can be controlled, and the controls in force. An instance too old
// to serve controls is an error matching ErrNoControlTarget.
func (c *Client) Controls(ctx context.Context) (wire.ControlList, error) {
	var l wire.ControlList
	err := c.control(ctx, http.MethodGet, "", nil, &l)
	return l, err
}

// SetControl sets the control of kind (wire.ControlFault, …) on target
// (empty for a drain) and returns the change the instance published.
func (c *Client) SetControl(ctx context.Context, kind, target string, req wire.ControlRequest) (wire.ControlChange, error) {
	var ch wire.ControlChange
	err := c.control(ctx, http.MethodPut, controlPath(kind, target), req, &ch)
	return ch, err
}

// ClearControl clears the control of kind on target; one not in force
// is an error matching ErrNoControlTarget.
func (c *Client) ClearControl(ctx context.Context, kind, target string) (wire.ControlChange, error) {
	var ch wire.ControlChange
	err := c.control(ctx, http.MethodDelete, controlPath(kind, target), nil, &ch)
	return ch, err
}

// ClearControls clears every control in force and returns the changes.
func (c *Client) ClearControls(ctx context.Context) ([]wire.ControlChange, error) {
	var chs []wire.ControlChange
	err := c.control(ctx, http.MethodDelete, "", nil, &chs)
	return chs, err
}

func controlPath(kind, target string) string {
	p := "/" + url.PathEscape(kind)
	if target != "" {
		p += "/" + url.PathEscape(target)
	}
	return p
}

// control sends one control request under wire.ControlsPath and decodes
// the answer into out.
func (c *Client) control(ctx context.Context, method, path string, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	u := c.base + wire.ControlsPath + path
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("introspect: %s %s: %w", method, u, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%w %q: %v", ErrBadURL, u, err)
	}
	c.authorize(req)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.opts.Actor != "" {
		req.Header.Set(wire.ActorHeader, c.opts.Actor)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("introspect: %s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	var buf limitedBuffer
	buf.max = c.opts.MaxBody
	if _, err := io.Copy(&buf, resp.Body); err != nil {
		return fmt.Errorf("introspect: %s %s: reading body: %w", method, u, err)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		if resp.StatusCode == http.StatusNotFound {
			return &ControlError{Method: method, URL: u, Status: resp.StatusCode,
				Body: wire.ErrorBody{Error: "this admin listener serves no controls (an older kit)"}}
		}
		return fmt.Errorf("%w: %s %s: HTTP %d, content type %q", ErrBadResponse, method, u, resp.StatusCode, mt)
	}
	if resp.StatusCode != http.StatusOK {
		ce := &ControlError{Method: method, URL: u, Status: resp.StatusCode}
		_ = json.Unmarshal(buf.b, &ce.Body)
		if resp.StatusCode == http.StatusUnauthorized {
			return fmt.Errorf("%w (%w)", c.unauthorized(u), ce)
		}
		return ce
	}
	if err := json.Unmarshal(buf.b, out); err != nil {
		return fmt.Errorf("%w: %s %s: not protocol JSON: %v", ErrBadResponse, method, u, err)
	}
	return nil
}
