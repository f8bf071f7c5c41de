package invoke

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// HTTPPlan is a request ready to send (or to print as a curl command).
type HTTPPlan struct {
	Method string
	URL    string
	Header map[string][]string // including traceparent
	Body   []byte              // nil for methods without a body
	// TraceID is the trace id in the traceparent header.
	TraceID string
}

// Plan builds the HTTP request for req by the rule in HTTPClient's doc.
func (h *HTTPClient) Plan(req Request) (*HTTPPlan, error) {
	r, err := h.route(req.Method)
	if err != nil {
		return nil, err
	}
	body, err := checkBody(req.Body)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadJSON, err)
	}
	route := r.HTTPMethod + " " + r.HTTPPath
	path, used, err := fillPath(r.HTTPPath, req.PathParams, fields, route)
	if err != nil {
		return nil, err
	}
	p := &HTTPPlan{Method: r.HTTPMethod, Header: cloneHeader(req.Header)}
	tp, traceID := Traceparent()
	p.Header["traceparent"], p.TraceID = []string{tp}, traceID
	p.Header["accept"] = []string{"application/json"}
	u := h.base + path
	switch r.HTTPMethod {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions:
		q := url.Values{}
		for k, v := range fields {
			if used[k] {
				continue
			}
			if err := addQuery(q, k, v, route); err != nil {
				return nil, err
			}
		}
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
	default:
		p.Body, _ = compact(body)
		p.Header["content-type"] = []string{"application/json"}
	}
	p.URL = u
	return p, nil
}

// fillPath replaces {name} and {name...} in pattern; {$} is dropped.
func fillPath(pattern string, params map[string]string, fields map[string]json.RawMessage, route string) (string, map[string]bool, error) {
	used := map[string]bool{}
	var b strings.Builder
	rest := pattern
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			return b.String(), used, nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", nil, fmt.Errorf("%w: route %s has an unclosed {", ErrBadRequest, route)
		}
		b.WriteString(rest[:i])
		name := rest[i+1 : i+j]
		rest = rest[i+j+1:]
		if name == "$" {
			continue
		}
		name, multi := strings.CutSuffix(name, "...")
		v, ok := params[name]
		if !ok {
			raw, inBody := fields[name]
			if !inBody {
				return "", nil, fmt.Errorf("%w: %s needs the path parameter %q: put it in the body ({%q: …}) or pass -p %s=VALUE", ErrBadRequest, route, name, name, name)
			}
			s, err := scalar(raw)
			if err != nil {
				return "", nil, fmt.Errorf("%w: path parameter %q of %s: %w", ErrBadRequest, name, route, err)
			}
			v = s
			used[name] = true
		}
		if multi {
			segs := strings.Split(v, "/")
			for k := range segs {
				segs[k] = url.PathEscape(segs[k])
			}
			b.WriteString(strings.Join(segs, "/"))
		} else {
			b.WriteString(url.PathEscape(v))
		}
	}
}

// scalar gives a JSON string's text, or a number's or boolean's literal.
func scalar(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", errors.New("empty value")
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{', '[', 'n':
		return "", fmt.Errorf("must be a string, number or boolean, not %s", raw)
	}
	return string(raw), nil
}

func addQuery(q url.Values, k string, raw json.RawMessage, route string) error {
	raw = bytes.TrimSpace(raw)
	switch {
	case string(raw) == "null":
		return nil
	case len(raw) > 0 && raw[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("%w: %w", ErrBadJSON, err)
		}
		for _, it := range items {
			s, err := scalar(it)
			if err != nil {
				return fmt.Errorf("%w: query parameter %q of %s: %w", ErrBadRequest, k, route, err)
			}
			q.Add(k, s)
		}
		return nil
	}
	s, err := scalar(raw)
	if err != nil {
		return fmt.Errorf("%w: query parameter %q of %s (%s sends no body; its fields go to the query string): %w", ErrBadRequest, k, route, route[:strings.IndexByte(route, ' ')], err)
	}
	q.Set(k, s)
	return nil
}
