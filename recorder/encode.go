package recorder

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendExchange appends ex as one JSON line (without the newline). It
// writes what encoding/json would for the struct tags, without reflection
// or a second pass over bodies, because capture runs it once per request.
// With hr set, header and trailer values are redacted as they are written
// (see headerRedactor), so redaction copies no map.
//
// id, when ex.ID is empty, is the ID to write (safe JSON string content).
// fields, when not nil, replaces the request's and the response's header
// maps (which are then nil) with field lists.
func appendExchange(b []byte, ex *Exchange, id []byte, hr *headerRedactor, fields *headerFields) ([]byte, error) {
	b = append(b, `{"id":`...)
	if ex.ID == "" {
		b = append(b, '"')
		b = append(b, id...)
		b = append(b, '"')
	} else {
		b = appendString(b, ex.ID)
	}
	if !ex.Time.IsZero() {
		b = append(b, `,"time":`...)
		b = appendTime(b, ex.Time)
	}
	b = appendField(b, "service", ex.Service)
	b = appendField(b, "endpoint", ex.Endpoint)
	b = appendField(b, "instance", ex.Instance)
	b = append(b, `,"transport":`...)
	b = appendString(b, ex.Transport)
	b = appendField(b, "target", ex.Target)
	b = appendField(b, "trace_id", ex.TraceID)
	b = appendStream(b, ex.Stream)
	var err error
	if b, err = appendThrift(b, ex.Thrift); err != nil {
		return nil, err
	}

	b = append(b, `,"request":{`...)
	n := len(b)
	b = appendField(b, "method", ex.Request.Method)
	b = appendField(b, "path", ex.Request.Path)
	b = appendField(b, "grpc_method", ex.Request.GRPCMethod)
	if fields != nil {
		b = appendFields(b, "headers", fields.req, hr)
	} else {
		b = appendHeaders(b, "headers", ex.Request.Headers, hr)
	}
	if b, err = appendBody(b, ex.Request.Body); err != nil {
		return nil, fmt.Errorf("request body: %w", err)
	}
	if b, err = appendMessages(b, ex.Request.Messages, ex.Request.Dropped); err != nil {
		return nil, fmt.Errorf("request %w", err)
	}
	b = fixFirstComma(b, n)
	b = append(b, `},"response":{`...)
	n = len(b)
	r := &ex.Response
	if r.Status != 0 {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
	}
	if r.GRPCCode != 0 {
		b = append(b, `,"grpc_code":`...)
		b = strconv.AppendInt(b, int64(r.GRPCCode), 10)
	}
	b = appendField(b, "grpc_message", r.GRPCMessage)
	b = appendField(b, "reason", r.Reason)
	if fields != nil {
		b = appendFields(b, "headers", fields.resp, hr)
	} else {
		b = appendHeaders(b, "headers", r.Headers, hr)
	}
	b = appendHeaders(b, "trailers", r.Trailers, hr)
	if b, err = appendBody(b, r.Body); err != nil {
		return nil, fmt.Errorf("response body: %w", err)
	}
	if b, err = appendMessages(b, r.Messages, r.Dropped); err != nil {
		return nil, fmt.Errorf("response %w", err)
	}
	b = fixFirstComma(b, n)
	b = append(b, `},"duration_ns":`...)
	b = strconv.AppendInt(b, int64(ex.Duration), 10)
	b = appendField(b, "error", ex.Error)
	var p *Policy
	if hr != nil {
		p = hr.p
	}
	if b, err = appendHistory(b, ex.History, p); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// fixFirstComma drops the comma that starts the first member written
// after position n, since every member is appended with a leading comma.
func fixFirstComma(b []byte, n int) []byte {
	if len(b) > n && b[n] == ',' {
		return append(b[:n], b[n+1:]...)
	}
	return b
}

func appendField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendHeaders(b []byte, name string, h map[string][]string, hr *headerRedactor) []byte {
	if len(h) == 0 {
		return b
	}
	var stack [16]Field
	fs := stack[:0]
	for k, v := range h {
		fs = append(fs, Field{k, v})
	}
	return appendFields(b, name, fs, hr)
}

// appendFields writes fs, sorted in place by name, as a header object.
func appendFields(b []byte, name string, fs []Field, hr *headerRedactor) []byte {
	if len(fs) == 0 {
		return b
	}
	// Insertion sort: header lists are short, and this allocates nothing.
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Name < fs[j-1].Name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":{`...)
	for i, f := range fs {
		if i > 0 {
			if f.Name == fs[i-1].Name {
				continue // a duplicate name: the first wins, as in a map
			}
			b = append(b, ',')
		}
		b = appendString(b, f.Name)
		b = append(b, ':')
		vs := f.Values
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		var judged uint8
		if hr != nil {
			judged = hr.judge(f.Name)
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			if hr != nil {
				v = hr.value(judged, v)
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendBody(b []byte, body *Body) ([]byte, error) {
	if body == nil {
		return b, nil
	}
	b = append(b, `,"body":{`...)
	n := len(b)
	if len(body.JSON) > 0 {
		if !body.valid && !validJSON(body.JSON) {
			return nil, fmt.Errorf("%w: body.json is not valid JSON", ErrFormat)
		}
		b = append(b, `,"json":`...)
		start := len(b)
		b = append(b, bytes.TrimRight(body.JSON, " \t\r\n")...)
		// Valid JSON has line breaks only between tokens: blank them, so
		// the body stays on its line.
		if bytes.IndexByte(b[start:], '\n') >= 0 || bytes.IndexByte(b[start:], '\r') >= 0 {
			for i := start; i < len(b); i++ {
				if b[i] == '\n' || b[i] == '\r' {
					b[i] = ' '
				}
			}
		}
	}
	if len(body.Bytes) > 0 {
		b = append(b, `,"base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, body.Bytes)
		b = append(b, '"')
	}
	if body.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	if body.Size != 0 {
		b = append(b, `,"size":`...)
		b = strconv.AppendInt(b, body.Size, 10)
	}
	b = fixFirstComma(b, n)
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping off: invalid UTF-8 becomes U+FFFD, control characters and
// U+2028/U+2029 are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
