// Package redacttest holds the redaction corpus: the secrets people
// actually send — in headers, gRPC metadata, query strings, JSON bodies at
// any depth, forms and text, JWTs in every encoding context — and names
// and values that look close but are not secrets. Every path that writes
// or prints an exchange runs the same corpus: the recorder's writer, the
// capture middleware over loopback, and `kitbench call -v` and -o json.
// Anything new that shows exchanges (an /exchanges endpoint, a log
// handler) should too: send each case with Case.Request (or serve it with
// Handler), collect the output, and Check it.
package redacttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kitbench/kitbench/recorder"
)

// Path is where a case is sent and served: "/case/" + the case's name.
func (c Case) Path() string { return "/case/" + c.Name }

// contentType is the media type of a body case.
func (c Case) contentType() string {
	switch c.Where {
	case JSON:
		return "application/json"
	case Form:
		return "application/x-www-form-urlencoded"
	case Text:
		return "text/plain; charset=utf-8"
	}
	return ""
}

// IsBody reports whether the case is a body (JSON, Form or Text).
func (c Case) IsBody() bool { return c.contentType() != "" }

// Request returns an HTTP request to base (a URL without a path) at
// c.Path that carries the case: a header (metadata as a lower-case
// header), a query parameter, or a body (POST, with its content type).
func (c Case) Request(base string) (*http.Request, error) {
	u := base + c.Path()
	if c.Where == Query {
		u += "?" + c.Key + "=" + c.Value
	}
	method, body := http.MethodGet, io.Reader(nil)
	if c.IsBody() {
		method, body = http.MethodPost, strings.NewReader(c.Value)
	}
	r, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, fmt.Errorf("redacttest: case %s: %w", c.Name, err)
	}
	switch c.Where {
	case Header:
		r.Header.Set(c.Key, c.Value)
	case Metadata:
		r.Header[c.Key] = []string{c.Value}
	}
	if ct := c.contentType(); ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	return r, nil
}

// Handler serves every case at its Path, carrying it in the response: a
// header (metadata as a lower-case header), a query parameter in a
// Location header ("/next?name=value"), or a body with its content type.
// It reads the request's body whole, so that capture records it.
func Handler() http.Handler {
	cases := make(map[string]Case)
	for _, c := range Cases() {
		cases[c.Path()] = c
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		c, ok := cases[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch c.Where {
		case Header:
			w.Header().Set(c.Key, c.Value)
		case Metadata:
			w.Header()[c.Key] = []string{c.Value}
		case Query:
			w.Header().Set("Location", "/next?"+c.Key+"="+c.Value)
		}
		if !c.IsBody() {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", c.contentType())
		_, _ = io.WriteString(w, c.Value)
	})
}

// Exchange returns an exchange carrying the case in its request and its
// response, as Request and Handler would (gRPC for metadata).
func (c Case) Exchange() recorder.Exchange {
	ex := recorder.Exchange{Service: "redacttest", Endpoint: c.Name, Transport: recorder.TransportHTTP,
		Request:  recorder.Request{Method: http.MethodGet, Path: c.Path(), Headers: map[string][]string{}},
		Response: recorder.Response{Status: http.StatusNoContent, Headers: map[string][]string{}}}
	switch c.Where {
	case Header:
		ex.Request.Headers[c.Key] = []string{c.Value}
		ex.Response.Headers[c.Key] = []string{c.Value}
	case Metadata:
		ex.Transport, ex.Request.Method, ex.Request.Path = recorder.TransportGRPC, "", ""
		ex.Request.GRPCMethod, ex.Response.Status = "/redacttest.Cases/"+c.Name, 0
		ex.Request.Headers[c.Key] = []string{c.Value}
		ex.Response.Headers[c.Key] = []string{c.Value}
		ex.Response.Trailers = map[string][]string{c.Key: {c.Value}}
	case Query:
		ex.Request.Path += "?" + c.Key + "=" + c.Value
		ex.Response.Headers["Location"] = []string{"/next?" + c.Key + "=" + c.Value}
	default:
		ct := c.contentType()
		ex.Request.Method, ex.Response.Status = http.MethodPost, http.StatusOK
		ex.Request.Headers["Content-Type"] = []string{ct}
		ex.Response.Headers["Content-Type"] = []string{ct}
		ex.Request.Body = recorder.NewBody(ct, []byte(c.Value))
		ex.Response.Body = recorder.NewBody(ct, []byte(c.Value))
	}
	return ex
}

// Problems returns what is wrong with out for this case: a secret that
// survived, or a part that must be kept and is gone.
func (c Case) Problems(out []byte) []string {
	var p []string
	for _, s := range c.Secrets {
		if bytes.Contains(out, []byte(s)) {
			p = append(p, fmt.Sprintf("case %s (%s %s): secret %q survived", c.Name, c.Where, c.Key, s))
		}
	}
	for _, k := range c.Keep {
		if !bytes.Contains(out, []byte(k)) {
			p = append(p, fmt.Sprintf("case %s (%s %s): %q, which is no secret, is gone", c.Name, c.Where, c.Key, k))
		}
	}
	return p
}

// Check reports, on tb, every case among cases whose secrets are in out or
// whose kept parts are not. what names the output in the messages.
func Check(tb testing.TB, what string, out []byte, cases []Case) {
	tb.Helper()
	for _, c := range cases {
		for _, p := range c.Problems(out) {
			tb.Errorf("%s: %s", what, p)
		}
	}
}

// Select returns the cases of Cases() that are in one of the places.
func Select(places ...Where) []Case {
	var out []Case
	for _, c := range Cases() {
		for _, w := range places {
			if c.Where == w {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// SessionText returns a session file's bytes followed by its bodies and
// stream messages that are stored as base64, decoded: what Check needs to see a secret in a
// form or text body. A file that does not read is an error.
func SessionText(file []byte) ([]byte, error) {
	s, err := recorder.Read(bytes.NewReader(file), recorder.ReadOptions{})
	if err != nil {
		return nil, err
	}
	out := bytes.Clone(file)
	for _, ex := range s.Exchanges {
		bodies := []*recorder.Body{ex.Request.Body, ex.Response.Body}
		for _, ms := range [][]recorder.Message{ex.Request.Messages, ex.Response.Messages} {
			for _, m := range ms {
				bodies = append(bodies, m.Body)
			}
		}
		for _, b := range bodies {
			if b != nil && b.Bytes != nil {
				out = append(append(out, '\n'), b.Bytes...)
			}
		}
	}
	return out, nil
}

// String renders the case as JSON, for test logs.
func (c Case) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}
