package recorder

import (
	"net/url"
	"strings"
)

// Headers returns h with the values of secret headers replaced and the
// value detectors applied to the others. h itself is returned when nothing
// changes; it is never modified.
func (p *Policy) Headers(h map[string][]string) map[string][]string {
	dirty := false
	for k, vs := range h {
		if p.headerChanges(k, vs) {
			dirty = true
			break
		}
	}
	if !dirty {
		return h
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		secret, kept := p.SecretHeader(k), p.kept(k, &p.keepHdr)
		nv := make([]string, len(vs))
		for i, v := range vs {
			nv[i] = p.headerValue(v, secret, kept)
		}
		out[k] = nv
	}
	return out
}

func (p *Policy) headerChanges(k string, vs []string) bool {
	if p.SecretHeader(k) {
		return len(vs) > 0
	}
	if p.kept(k, &p.keepHdr) {
		return false
	}
	for _, v := range vs {
		if p.Text(v) != v {
			return true
		}
	}
	return false
}

// headerValue redacts one value of a header known to be secret, kept or
// neither.
func (p *Policy) headerValue(v string, secret, kept bool) string {
	switch {
	case secret:
		return Placeholder
	case kept:
		return v
	}
	return p.Text(v)
}

// URL redacts a URL or a request URI ("/v1/books?api_key=…"): the value
// detectors in the part before the query (a JWT in the path, a password in
// the userinfo), and the query and fragment as query strings (secret
// parameters replaced by the placeholder, "%5BREDACTED%5D", and the value
// detectors in the others), keeping the original encoding.
func (p *Policy) URL(u string) string {
	base, query, hasQ := strings.Cut(u, "?")
	frag, hasF := "", false
	if hasQ {
		query, frag, hasF = strings.Cut(query, "#")
	} else {
		base, frag, hasF = strings.Cut(base, "#")
	}
	nb, nq, nf := p.Text(base), p.query(query), p.query(frag)
	if nb == base && nq == query && nf == frag {
		return u
	}
	out := nb
	if hasQ {
		out += "?" + nq
	}
	if hasF {
		out += "#" + nf
	}
	return out
}

// query redacts a raw query string or form, keeping its order and
// encoding.
func (p *Policy) query(q string) string {
	if q == "" || !p.hasUser && !p.hasKeep && !mayBeSecret(q) && !containsFold(q, "code") && p.maskOfString(q) == 0 {
		return q
	}
	out, changed := p.queryBytes(nil, []byte(q))
	if !changed {
		return q
	}
	return string(out)
}

// queryBytes appends q, redacted, to dst when something changes.
func (p *Policy) queryBytes(dst, q []byte) ([]byte, bool) {
	var stack [8]span
	spans := stack[:0]
	for start := 0; start <= len(q); {
		end := start
		for end < len(q) && q[end] != '&' {
			end++
		}
		part := q[start:end]
		if eq := indexByteB(part, '='); eq > 0 {
			vs := start + eq + 1
			var secret, kept bool
			if rawName := part[:eq]; indexByteB(rawName, '%') >= 0 || indexByteB(rawName, '+') >= 0 {
				secret, kept = p.param(paramName(rawName))
			} else {
				secret, kept = p.param(string(rawName)) // a short name is converted on the stack
			}
			if secret {
				if vs < end && !isPlaceholderAt(q[:end], vs) {
					spans = append(spans, span{vs, end})
				}
			} else if kept {
				// as it is
			} else if m := p.maskOf(q[vs:end]); m != 0 {
				for _, s := range p.findSpans(nil, q[vs:end], m) {
					spans = append(spans, span{vs + s.start, vs + s.end})
				}
			}
		}
		start = end + 1
	}
	if len(spans) == 0 {
		return dst, false
	}
	return applySpans(dst, q, spans, placeholderQuery), true
}

func indexByteB(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// param judges a query or form parameter name.
func (p *Policy) param(name string) (secret, kept bool) {
	if p.SecretParam(name) {
		return true, false
	}
	return false, p.kept(name, &p.keepPrm)
}

// paramName decodes a raw parameter name; a malformed one is judged as
// written.
func paramName(raw []byte) string {
	s := string(raw)
	if n, err := url.QueryUnescape(s); err == nil {
		return n
	}
	return s
}

// JSON returns a JSON document with secret fields (at any depth) and
// the values the detectors find replaced, every other byte as it was; a
// document that does not parse is redacted as far as it does and as text
// after that. b itself is returned when nothing changes.
func (p *Policy) JSON(b []byte) []byte {
	out, _ := p.redactJSON(b)
	return out
}

// Exchange redacts ex in place. Header maps and bodies that change are
// replaced by new ones, so the caller's maps and bodies are never
// written.
func (p *Policy) Exchange(ex *Exchange) {
	ex.Request.Headers = p.Headers(ex.Request.Headers)
	ex.Response.Headers = p.Headers(ex.Response.Headers)
	ex.Response.Trailers = p.Headers(ex.Response.Trailers)
	p.content(ex)
}

// content redacts what Exchange does but the headers: the path and query,
// the bodies and stream messages, the gRPC message and the error.
func (p *Policy) content(ex *Exchange) {
	ex.Request.Path = p.URL(ex.Request.Path)
	ex.Request.Body = p.body(ex.Request.Body)
	ex.Response.Body = p.body(ex.Response.Body)
	ex.Request.Messages = p.messages(ex.Request.Messages)
	ex.Response.Messages = p.messages(ex.Response.Messages)
	ex.Response.GRPCMessage = p.Text(ex.Response.GRPCMessage)
	ex.Error = p.Text(ex.Error)
}

// body redacts b, returning b itself when nothing changes.
func (p *Policy) body(b *Body) *Body {
	if b == nil {
		return nil
	}
	if b.JSON != nil {
		out, changed := p.redactJSON(b.JSON)
		if !changed {
			return b
		}
		nb := *b
		nb.JSON, nb.valid = out, true
		return &nb
	}
	out, changed := p.raw(b.Bytes)
	if !changed {
		return b
	}
	nb := *b
	nb.Bytes = out
	return &nb
}

// raw redacts a body kept as bytes: as JSON when it starts like JSON, as
// a form when it looks like one, as text otherwise.
func (p *Policy) raw(b []byte) ([]byte, bool) {
	switch {
	case startsJSON(b):
		return p.redactJSON(b)
	case looksForm(b):
		return p.queryBytes(nil, b)
	}
	return p.text(nil, b, p.maskOf(b), Placeholder)
}

func startsJSON(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// looksForm reports whether b could be application/x-www-form-urlencoded:
// printable ASCII without spaces, quotes or braces, and a '='.
func looksForm(b []byte) bool {
	eq := false
	for _, c := range b {
		switch {
		case c == '=':
			eq = true
		case c <= ' ' || c >= 0x7f || c == '"' || c == '{' || c == '}' || c == '<' || c == '>' || c == '\\' || c == '`':
			return false
		}
	}
	return eq
}

// maxCachedNames bounds a headerRedactor's cache: header names come from
// clients, and a client sending random names must not grow it forever.
const maxCachedNames = 256

// Judgements of a header name, as a headerRedactor caches them.
const (
	hdrPlain uint8 = iota + 1
	hdrSecret
	hdrKept
)

// headerRedactor redacts header values while they are encoded. With a
// cache (one goroutine only) each name is judged once.
type headerRedactor struct {
	p     *Policy
	names map[string]uint8 // nil: judge every time
}

func (hr *headerRedactor) judge(name string) uint8 {
	if hr.names != nil {
		if v, ok := hr.names[name]; ok {
			return v
		}
	}
	v := hdrPlain
	switch {
	case hr.p.SecretHeader(name):
		v = hdrSecret
	case hr.p.kept(name, &hr.p.keepHdr):
		v = hdrKept
	}
	if hr.names != nil && len(hr.names) < maxCachedNames {
		hr.names[name] = v
	}
	return v
}

// value redacts one value of a header judged j.
func (hr *headerRedactor) value(j uint8, v string) string {
	return hr.p.headerValue(v, j == hdrSecret, j == hdrKept)
}
