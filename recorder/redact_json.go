package recorder

import (
	"bytes"
	"encoding/json"
	"strings"
)

// jsonRedactor walks one JSON document and copies it, replacing secret
// values in place: everything else — key order, spacing, number spelling
// — stays byte for byte.
type jsonRedactor struct {
	p    *Policy
	src  []byte
	out  []byte // nil until the first replacement
	last int    // src[:last] is in out
	i    int
	mask textMask // the value detectors that may fire somewhere in src
	path []any    // the location, kept only when the policy has path rules
}

// quotedPlaceholder replaces a secret string or number.
const quotedPlaceholder = `"` + Placeholder + `"`

// redactJSON redacts a JSON document. src may be truncated or not JSON at
// all: what cannot be walked is redacted as text.
func (p *Policy) redactJSON(src []byte) ([]byte, bool) {
	j := &jsonRedactor{p: p, src: src, mask: p.maskOf(src) &^ maskQuoted}
	if jsonEscapedQuote(src) {
		j.mask |= maskQuoted // JSON written inside a JSON string
	}
	ok := j.value(0, false, false)
	if ok {
		j.space()
		ok = j.i == len(src)
	}
	walked, changed := src, false
	if j.out != nil {
		walked, changed = append(j.out, src[j.last:]...), true
	}
	if !ok { // not JSON after all, or cut short: all of it as text too
		if out, found := p.text(nil, walked, p.maskOf(walked), Placeholder); found {
			return out, true
		}
	}
	return walked, changed
}

// jsonEscapedQuote reports whether b holds an escaped quote: JSON written
// inside a JSON string, where "name": value pairs are found as text.
func jsonEscapedQuote(b []byte) bool { return bytes.Contains(b, []byte(`\"`)) }

// replace puts with in place of src[start:end].
func (j *jsonRedactor) replace(start, end int, with []byte) {
	j.out = append(j.out, j.src[j.last:start]...)
	j.out = append(j.out, with...)
	j.last = end
}

func (j *jsonRedactor) space() {
	for j.i < len(j.src) {
		switch j.src[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

// str moves past a string starting at j.i (a '"'); false when it is not
// closed.
func (j *jsonRedactor) str() bool {
	n := stringEnd(j.src, j.i+1)
	if n < 0 {
		j.i = len(j.src)
		return false
	}
	j.i += n + 2
	return true
}

// value walks one value. secret: its strings and numbers are replaced;
// kept: nothing in it is touched. It returns false at a syntax error or
// the end of a truncated document.
func (j *jsonRedactor) value(depth int, secret, kept bool) bool {
	j.space()
	if j.i >= len(j.src) || depth > MaxDepth {
		return false
	}
	switch c := j.src[j.i]; {
	case c == '{':
		return j.object(depth, secret, kept)
	case c == '[':
		j.i++
		for n := 0; ; n++ {
			j.space()
			if j.i >= len(j.src) {
				return false
			}
			switch j.src[j.i] {
			case ']':
				j.i++
				return true
			case ',':
				j.i++
				j.space()
			}
			if j.p.trackPaths {
				j.path = append(j.path, n)
			}
			ok := j.member(depth, secret, kept)
			if j.p.trackPaths {
				j.path = j.path[:len(j.path)-1]
			}
			if !ok {
				return false
			}
		}
	case c == '"':
		start := j.i
		ok := j.str()
		switch {
		case kept:
		case secret:
			if j.i > start+2 && !isPlaceholderAt(j.src[:j.i], start+1) {
				j.replace(start, j.i, []byte(quotedPlaceholder))
			}
		case j.mask != 0 && ok:
			raw := j.src[start+1 : j.i-1]
			if m := j.p.maskOf(raw) & j.mask; m != 0 {
				var stack [8]span
				if spans := j.p.findSpans(stack[:0], raw, m); len(spans) > 0 {
					j.out = append(j.out, j.src[j.last:start+1]...)
					j.out = applySpans(j.out, raw, spans, Placeholder)
					j.last = j.i - 1
				}
			}
		}
		return ok
	default: // number, true, false, null
		start := j.i
		for j.i < len(j.src) && (isAlnum(j.src[j.i]) || j.src[j.i] == '-' || j.src[j.i] == '+' || j.src[j.i] == '.') {
			j.i++
		}
		if j.i == start {
			return false
		}
		if secret && !kept && (c == '-' || isDigit(c)) {
			j.replace(start, j.i, []byte(quotedPlaceholder))
		}
		return true
	}
}

// member walks an array element or object member value, applying the
// path rules to it.
func (j *jsonRedactor) member(depth int, secret, kept bool) bool {
	if j.p.trackPaths && !kept {
		if matchAny(j.p.keepPaths, j.path) {
			kept = true
		} else if matchAny(j.p.paths, j.path) {
			j.space()
			start := j.i
			if !j.value(depth+1, false, true) {
				return false
			}
			j.replace(start, j.i, []byte(quotedPlaceholder))
			return true
		}
	}
	return j.value(depth+1, secret, kept)
}

func matchAny(paths []Path, loc []any) bool {
	for _, p := range paths {
		if p.Match(loc) {
			return true
		}
	}
	return false
}

func (j *jsonRedactor) object(depth int, secret, kept bool) bool {
	j.i++
	for {
		j.space()
		if j.i >= len(j.src) {
			return false
		}
		switch j.src[j.i] {
		case '}':
			j.i++
			return true
		case ',':
			j.i++
			j.space()
		}
		if j.i >= len(j.src) || j.src[j.i] != '"' {
			return false
		}
		ks := j.i
		if !j.str() {
			return false
		}
		raw := j.src[ks+1 : j.i-1]
		j.space()
		if j.i >= len(j.src) || j.src[j.i] != ':' {
			return false
		}
		j.i++
		s, k := secret, kept
		if !k || j.p.trackPaths {
			if indexByteB(raw, '\\') >= 0 {
				s, k = j.judge(keyName(raw), s, k)
			} else {
				s, k = j.judge(string(raw), s, k) // a short name is converted on the stack
			}
		}
		ok := j.member(depth, s, k)
		if j.p.trackPaths {
			j.path = j.path[:len(j.path)-1]
		}
		if !ok {
			return false
		}
	}
}

// judge applies the name rules to a member of an object whose own state
// is secret, kept; it also enters the member in the location.
func (j *jsonRedactor) judge(name string, secret, kept bool) (bool, bool) {
	if j.p.trackPaths {
		j.path = append(j.path, strings.Clone(name)) // name itself does not escape
	}
	switch {
	case kept:
	case j.p.kept(name, nil):
		kept = true
	case !secret:
		secret = j.p.SecretField(name)
	}
	return secret, kept
}

// keyName decodes a member name's raw text.
func keyName(raw []byte) string {
	if indexByteB(raw, '\\') >= 0 {
		var out string
		if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &out) == nil {
			return out
		}
	}
	return string(raw)
}
